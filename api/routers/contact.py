"""Oral reports with a transcript to sign, meeting requests and the follow-up after closure (issue 23).

The same engine doors as the pages (``engine.contact``): the reporter with the receipt-code session (``/melder/…``),
the desk and the coordinator on a case they may see (``/zaken/{case_id}/…``)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, status
from pydantic import ConfigDict, Field

from api.deps import CurrentUser, SessionDep, UnitOfWorkRoute, current_reporter
from api.routers.common import errors
from api.routers.cases import VisibleCase
from api.routers.reporter import AnonCase
from api.schemas import Strict
from engine.contact import service as contact
from engine.identity import service as identity
from engine.identity.models import ReporterSession

router = APIRouter(tags=["mondelinge melding en nazorg"], route_class=UnitOfWorkRoute)

# the engine's door decides on the case (404 for a case one may not see)
CaseId = Annotated[int, Path(title="Zaak", ge=1, le=2**31 - 1, description="Zaak-id")]
Reporter = Annotated[ReporterSession, Depends(current_reporter)]  # the reporter's own channel (one case)


class MeetingIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"soort": "telefoon"}]})

    soort: Literal["gesprek", "telefoon"] = Field(title="Soort")
    wens: str | None = Field(title="Wens", default=None, max_length=contact.MAX_WISH)


class MeetingOut(Strict):
    id: int
    soort: str
    bron: str
    gevraagd_op: datetime
    gevoerd: bool


class VersionOut(Strict):
    nummer: int
    soort: Literal["verslag", "correctie"]
    tekst: str
    op: datetime


class OralReportOut(Strict):
    id: int
    kanaal: str
    datum: date
    status: str
    termijn_tot_en_met: date
    ondertekend_op: datetime | None
    ondertekende_versie: int | None
    versies: list[VersionOut]


class OralReportIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"kanaal": "telefoon", "datum": "2026-11-02", "verslag": "De melder vertelt …"}]})

    kanaal: str = Field(title="Kanaal", max_length=40)
    datum: date = Field(title="Datum")
    verslag: str = Field(title="Verslag", max_length=contact.MAX_TRANSCRIPT)
    verzoek_id: int | None = Field(title="Inzageverzoek", default=None, ge=1, le=2**31 - 1)


class TranscriptIn(Strict):
    model_config = ConfigDict(extra="forbid")

    verslag: str = Field(title="Verslag", max_length=contact.MAX_TRANSCRIPT)


class SignIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"versie": 1, "akkoord": True}]})

    versie: int = Field(title="Versie", ge=1, le=10_000)
    akkoord: bool = Field(title="Akkoord")


class CorrectionIn(Strict):
    model_config = ConfigDict(extra="forbid")

    tekst: str = Field(title="Tekst", max_length=contact.MAX_TRANSCRIPT)


class FollowUpOut(Strict):
    id: int
    vraag: str
    gepland_op: datetime
    status: Literal["gepland", "verstuurd", "beantwoord", "geen_inbox"]
    gesteld_op: datetime | None
    nadelige_gevolgen: Literal["ja", "nee"] | None
    beantwoord_op: datetime | None


class StaffFollowUpOut(FollowUpOut):
    toelichting: str | None
    signaal: Literal["open", "afgehandeld"] | None


class FollowUpAnswerIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"nadelige_gevolgen": "nee"}]})

    nadelige_gevolgen: Literal["ja", "nee"] = Field(title="Nadelige gevolgen")
    toelichting: str | None = Field(title="Toelichting", default=None, max_length=contact.MAX_ANSWER)


class ReporterFollowUps(Strict):
    vragen: list[FollowUpOut]
    verwijzing: str | None  # the Huis voor Klokkenluiders, once the reporter answered "ja"


def _report_out(view: contact.OralReportView) -> OralReportOut:
    r = view.report
    signed = next((v.number for v in view.versions if v.id == r.signed_version_id), None)
    return OralReportOut(id=r.id, kanaal=r.channel, datum=r.held_on, status=r.status, termijn_tot_en_met=r.review_due,
                         ondertekend_op=r.signed_at, ondertekende_versie=signed,
                         versies=[VersionOut(nummer=v.number, soort=v.kind, tekst=v.body, op=v.created_at)
                                  for v in view.versions])


def _one(views: list[contact.OralReportView], report_id: int) -> OralReportOut:
    return _report_out(next(v for v in views if v.report.id == report_id))


def _follow_up_out(row, question: str, *, staff: bool):
    values = dict(id=row.id, vraag=question, gepland_op=row.due_at, status=row.state, gesteld_op=row.sent_at,
                  nadelige_gevolgen=row.answer, beantwoord_op=row.answered_at)
    return StaffFollowUpOut(**values, toelichting=row.answer_text, signaal=row.signal) if staff \
        else FollowUpOut(**values)


# --------------------------------------------------------------------------- the reporter (receipt code)

@router.post("/melder/gesprek", response_model=MeetingOut, status_code=status.HTTP_201_CREATED,
             summary="Om een persoonlijk gesprek of telefoongesprek vragen", responses=errors(401, 403, 404, 422))
def anon_meeting(body: MeetingIn, case_id: AnonCase, session: SessionDep) -> MeetingOut:
    row = contact.request_meeting(session=session, case_id=case_id, kind=body.soort, wish=body.wens, source="inbox")
    return MeetingOut(id=row.id, soort=row.kind, bron=row.source, gevraagd_op=row.created_at, gevoerd=False)


@router.get("/melder/verslagen", response_model=list[OralReportOut], summary="Verslagen van mijn mondelinge melding",
            responses=errors(401, 403, 404))
def anon_oral_reports(reporter: Reporter, session: SessionDep) -> list[OralReportOut]:
    return [_report_out(v) for v in contact.reporter_oral_reports(session=session, reporter=reporter)]


@router.post("/melder/verslagen/{verslag_id}/ondertekening", response_model=OralReportOut,
             summary="Het verslag ondertekenen (de laatste versie van het meldpunt)",
             responses=errors(401, 403, 404, 422))
def anon_sign(verslag_id: Annotated[int, Path(title="Verslag", ge=1, le=2**31 - 1)], body: SignIn, case_id: AnonCase,
              reporter: Reporter,
              session: SessionDep) -> OralReportOut:
    contact.sign(session=session, case_id=case_id, oral_report_id=verslag_id, version=body.versie,
                 agreed=body.akkoord)
    return _one(contact.reporter_oral_reports(session=session, reporter=reporter), verslag_id)


@router.post("/melder/verslagen/{verslag_id}/correcties", response_model=OralReportOut,
             status_code=status.HTTP_201_CREATED, summary="Correcties op het verslag sturen",
             responses=errors(401, 403, 404, 422))
def anon_correct(verslag_id: Annotated[int, Path(title="Verslag", ge=1, le=2**31 - 1)], body: CorrectionIn,
                 case_id: AnonCase, reporter: Reporter, session: SessionDep) -> OralReportOut:
    contact.correct(session=session, case_id=case_id, oral_report_id=verslag_id, text=body.tekst)
    return _one(contact.reporter_oral_reports(session=session, reporter=reporter), verslag_id)


@router.get("/melder/nazorg", response_model=ReporterFollowUps, summary="Vragen van het meldpunt na afsluiting",
            responses=errors(401, 403, 404))
def anon_follow_ups(case_id: AnonCase, reporter: Reporter, session: SessionDep) -> ReporterFollowUps:
    question = contact.follow_up_question(session=session, case_id=case_id)
    rows = contact.reporter_follow_ups(session=session, reporter=reporter)
    return ReporterFollowUps(vragen=[_follow_up_out(r, question, staff=False) for r in rows],
                             verwijzing=contact.HUIS_VOOR_KLOKKENLUIDERS
                             if contact.reporter_signals_retaliation(session=session, case_id=case_id) else None)


@router.post("/melder/nazorg/{nazorg_id}", response_model=FollowUpOut, summary="Een nazorgvraag beantwoorden",
             responses=errors(401, 403, 404, 422))
def anon_answer_follow_up(nazorg_id: Annotated[int, Path(title="Nazorgvraag", ge=1, le=2**31 - 1)],
                          body: FollowUpAnswerIn, case_id: AnonCase,
                          session: SessionDep) -> FollowUpOut:
    row = contact.answer(session=session, case_id=case_id, follow_up_id=nazorg_id, adverse=body.nadelige_gevolgen,
                         text=body.toelichting)
    return _follow_up_out(row, contact.follow_up_question(session=session, case_id=case_id), staff=False)


# --------------------------------------------------------------------------- the desk and the coordinator

@router.get("/zaken/{case_id}/gespreksverzoeken", response_model=list[MeetingOut],
            summary="Verzoeken van de melder om een gesprek", responses=errors(401, 403, 404))
def desk_meetings(case_id: CaseId, user: CurrentUser, session: SessionDep) -> list[MeetingOut]:
    # the engine decides: 404 for who may not see the case, 403 for another handler of it
    return [MeetingOut(id=m.id, soort=m.kind, bron=m.source, gevraagd_op=m.created_at,
                       gevoerd=m.oral_report_id is not None)
            for m in contact.meeting_requests(session=session, user=user, case_id=case_id)]


@router.get("/zaken/{case_id}/mondelinge-meldingen", response_model=list[OralReportOut],
            summary="Mondelinge meldingen met alle versies van het verslag", responses=errors(401, 403, 404))
def desk_oral_reports(case_id: CaseId, user: CurrentUser, session: SessionDep) -> list[OralReportOut]:
    return [_report_out(v) for v in contact.oral_reports(session=session, user=user, case_id=case_id)]


@router.post("/zaken/{case_id}/mondelinge-meldingen", response_model=OralReportOut,
             status_code=status.HTTP_201_CREATED,
             summary="Mondelinge melding vastleggen; het verslag gaat ter ondertekening naar de melder",
             responses=errors(401, 403, 404, 422))
def desk_register_oral_report(body: OralReportIn, case: VisibleCase, user: CurrentUser,
                              session: SessionDep) -> OralReportOut:
    row = contact.register_oral_report(session=session, user=user, case_id=case.id, channel=body.kanaal,
                                       held_on=body.datum, transcript=body.verslag,
                                       meeting_request_id=body.verzoek_id)
    return _one(contact.oral_reports(session=session, user=user, case_id=case.id), row.id)


@router.post("/zaken/{case_id}/mondelinge-meldingen/{verslag_id}/versies", response_model=OralReportOut,
             status_code=status.HTTP_201_CREATED, summary="Nieuwe versie van het verslag aan de melder voorleggen",
             responses=errors(401, 403, 404, 422))
def desk_revise(verslag_id: Annotated[int, Path(title="Verslag", ge=1, le=2**31 - 1)], body: TranscriptIn,
                case: VisibleCase, user: CurrentUser,
                session: SessionDep) -> OralReportOut:
    contact.revise(session=session, user=user, case_id=case.id, oral_report_id=verslag_id, transcript=body.verslag)
    return _one(contact.oral_reports(session=session, user=user, case_id=case.id), verslag_id)


@router.get("/zaken/{case_id}/nazorg", response_model=list[StaffFollowUpOut],
            summary="Nazorg na afsluiting: geplande, verstuurde en beantwoorde vragen", responses=errors(401, 403, 404))
def desk_follow_ups(case_id: CaseId, user: CurrentUser, session: SessionDep) -> list[StaffFollowUpOut]:
    rows = contact.follow_ups(session=session, user=user, case_id=case_id)  # the engine decides: 404 / 403
    question = contact.follow_up_question(session=session, case_id=case_id)
    return [_follow_up_out(r, question, staff=True) for r in rows]


class ContactTaskOut(Strict):
    id: int
    soort: Literal["verslag_niet_ondertekend", "correcties_verwerken", "represaille"]
    naam: str
    rol: str
    status: Literal["open", "afgerond", "vervallen"]
    opgepakt_door: str | None
    aangemaakt_op: datetime
    termijn: datetime | None
    termijn_verstreken: bool = Field(description="Open en de termijn is verstreken (klok van de engine).")
    verslag_id: int | None
    nazorg_id: int | None
    uitkomst: str | None
    motivering: str | None
    afgerond_op: datetime | None
    afgerond_door: str | None


class ContactTaskDoneIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"uitkomst": "doorverwezen", "motivering": "Melder gewezen op het Huis voor Klokkenluiders."},
        {"uitkomst": "herinnerd"}]})

    uitkomst: str = Field(title="Uitkomst", max_length=40)
    motivering: str | None = Field(title="Motivering", default=None, max_length=contact.MAX_MOTIVATION)


def _task_out(session, task) -> ContactTaskOut:
    def name(user_id):
        user = identity.find_user(session=session, user_id=user_id)
        return user.username if user else None

    return ContactTaskOut(id=task.id, soort=task.kind, naam=contact.TASK_NAMES[task.kind], rol=task.role,
                          status=task.state, opgepakt_door=name(task.assignee_id), aangemaakt_op=task.created_at,
                          termijn=task.due_at, termijn_verstreken=contact.term_passed(task),
                          verslag_id=task.oral_report_id, nazorg_id=task.follow_up_id,
                          uitkomst=task.outcome, motivering=task.motivation, afgerond_op=task.completed_at,
                          afgerond_door=name(task.completed_by_id))


@router.get("/zaken/{case_id}/contacttaken", response_model=list[ContactTaskOut],
            summary="Taken bij het contact met de melder: verslag niet ondertekend, correcties verwerken, signaal "
                    "van benadeling",
            responses=errors(401, 404))
def desk_contact_tasks(case: VisibleCase, user: CurrentUser, session: SessionDep) -> list[ContactTaskOut]:
    return [_task_out(session, t) for t in contact.tasks_of_case(session=session, user=user, case_id=case.id)]


@router.post("/zaken/{case_id}/contacttaken/{contacttaak_id}/oppakken", response_model=ContactTaskOut,
             summary="Een taak bij het contact met de melder oppakken", responses=errors(401, 403, 404, 409))
def desk_contact_task_claim(contacttaak_id: Annotated[int, Path(title="Contacttaak", ge=1, le=2**31 - 1)],
                            case: VisibleCase, user: CurrentUser,
                            session: SessionDep) -> ContactTaskOut:
    return _task_out(session, contact.claim_task(session=session, user=user, case_id=case.id,
                                                 task_id=contacttaak_id))


@router.post("/zaken/{case_id}/contacttaken/{contacttaak_id}/teruggeven", response_model=ContactTaskOut,
             summary="Een opgepakte taak bij het contact met de melder teruggeven aan de pool van haar rol",
             responses=errors(401, 403, 404, 409))
def desk_contact_task_release(contacttaak_id: Annotated[int, Path(title="Contacttaak", ge=1, le=2**31 - 1)],
                              case: VisibleCase, user: CurrentUser,
                              session: SessionDep) -> ContactTaskOut:
    return _task_out(session, contact.release_task(session=session, user=user, case_id=case.id,
                                                   task_id=contacttaak_id))


@router.post("/zaken/{case_id}/contacttaken/{contacttaak_id}/afronden", response_model=ContactTaskOut,
             summary="Een opgepakte taak afronden met uitkomst en motivering",
             responses=errors(401, 403, 404, 409, 422))
def desk_contact_task_complete(contacttaak_id: Annotated[int, Path(title="Contacttaak", ge=1, le=2**31 - 1)],
                               body: ContactTaskDoneIn, case: VisibleCase, user: CurrentUser,
                               session: SessionDep) -> ContactTaskOut:
    return _task_out(session, contact.complete_task(session=session, user=user, case_id=case.id,
                                                    task_id=contacttaak_id, outcome=body.uitkomst,
                                                    motivation=body.motivering))
