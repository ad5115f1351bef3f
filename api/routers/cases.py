"""Cases through staff endpoints: list, detail, timeline, documents, position, BPMN, messages, identity reveals.

Need to know (engine.identity.access): lists filter with ``visible_cases_condition`` in SQL, single cases
go through ``visible_case`` (404 when invisible or absent). The reporter's identity appears only when
``may_see_reporter_identity`` says so, and every such read is audited.
"""
from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Path, Query, Response, UploadFile, status

from api.deps import CurrentUser, SessionDep, visible_case, UnitOfWorkRoute, read_only
from api.raw_files import process_file_response
from api.routers.common import MAX_LIMIT, errors, pseudonym
from api.schemas.casework import (AttachmentOut, CaseDetailOut, CaseFileOut, NoteIn, NoteOut, CasePage, CaseQuery, CaseSummaryOut,
                                  CompletedTaskOut, MessageIn, MessageOut, PositionOut, RedactionIn, RedactionOut,
                                  ReporterOut, RevealDecisionIn, RevealOut, RevealRequestIn, SavedViewIn,
                                  SavedViewOut, TimelineEvent, ViewRemovalsOut, WorkItemOut)
from engine.cases import attachments, completed, export, field_classes, notes, reveal, search, views
from engine.cases import service as cases
from engine.cases.models import Case
from engine.cases.timeline import case_timeline
from engine.identity import access
from engine.intake import service as intake
from engine.processes import service as processes
from engine.worklist import service as worklist

router = APIRouter(prefix="/zaken", tags=["zaken"], route_class=UnitOfWorkRoute)

VisibleCase = Annotated[Case, Depends(visible_case)]
ERR = errors(401, 404)
IdPath = Annotated[int, Path(title="Zaak", ge=1, le=2**31 - 1)]


def workflow_data(session, case: Case) -> dict:
    """The workflow's current data; empty for a case without workflow state (imported)."""
    if case.state is None or case.process_version_id is None:
        return {}
    return cases.case_data(session=session, case_id=case.id)


def summary_out(case: Case) -> CaseSummaryOut:
    return CaseSummaryOut(id=case.id, zaaknummer=case.reference, status=case.status, dienstonderdeel=case.unit,
                          categorie=case.category, prioriteit=case.priority, aangemaakt_op=case.created_at,
                          gesloten_op=case.closed_at, versie=case.version)


@router.get("", response_model=CasePage, summary="Zaken die ik mag zien: zoeken, filteren, sorteren, pagineren",
            responses=errors(401, 422))
@read_only
def list_cases(user: CurrentUser, session: SessionDep,
               q: Annotated[str | None, Query(title="Zoektekst", max_length=200, description=(
                   "Zoekterm: zaaknummer of woorden uit de omschrijving van de melding (Nederlandse woordvormen)"))] = None,
               status_: Annotated[Literal["open", "closed"] | None, Query(title="Status", alias="status")] = None,
               dienstonderdeel: Annotated[str | None, Query(title="Dienstonderdeel", max_length=200)] = None,
               categorie: Annotated[str | None, Query(title="Categorie", max_length=200)] = None,
               periode_van: Annotated[date | None,
                                      Query(title="Periode vanaf", alias="periodeVan",
                                            description="Aangemaakt op of na (datum, Nederlandse tijd)")] = None,
               periode_tot: Annotated[date | None,
                                      Query(title="Periode tot en met", alias="periodeTot",
                                            description="Aangemaakt op of voor (datum, inclusief)")] = None,
               sorteer: Annotated[Literal["aangemaakt_op", "-aangemaakt_op", "prioriteit", "-prioriteit", "zaaknummer",
                                          "-zaaknummer"], Query(title="Sortering")] = "-aangemaakt_op",
               na: Annotated[str | None, Query(title="Na (volgende pagina)", max_length=400, description=(
                   "Vervolgpositie: 'volgende' van de vorige pagina (keyset; stabiel als er zaken bijkomen)"))] = None,
               limit: Annotated[int, Query(title="Aantal per pagina", ge=1, le=MAX_LIMIT)] = 50,
               offset: Annotated[int, Query(title="Beginpositie", ge=0, le=1_000_000)] = 0) -> CasePage:
    filters = search.CaseFilters(q=q, status=status_, category=categorie, unit=dienstonderdeel,
                                 created_from=periode_van, created_to=periode_tot)
    found = search.search_cases(session=session, user=user, filters=filters, sort=sorteer, after=na, limit=limit,
                                offset=offset)
    return CasePage(items=[summary_out(c) for c in found.items], totaal=found.total, limit=limit,
                    offset=0 if na else offset, volgende=found.next_cursor)


# --------------------------------------------------------------------------- export and saved views (issue 17)
# Declared before "/{case_id}": these paths are not case ids.

EXPORT_RESPONSES = {200: {"content": {"text/csv": {"schema": {"type": "string"}},
                                      export.XLSX: {"schema": {"type": "string", "format": "binary"}}},
                          "description": "De zakenlijst als bestand"}, **errors(401, 403, 422)}


@router.get("/export", response_class=Response, responses=EXPORT_RESPONSES,
            summary="De zakenlijst als CSV of XLSX (integriteitscoördinator, Bureau V&I), met dezelfde zoekopdracht")
def export_cases(user: CurrentUser, session: SessionDep,
                 formaat: Annotated[Literal["csv", "xlsx"],
                                    Query(title="Formaat", description="csv (puntkomma, UTF-8) of xlsx")] = "csv",
                 q: Annotated[str | None, Query(title="Zoektekst", max_length=200)] = None,
                 status_: Annotated[Literal["open", "closed"] | None, Query(title="Status", alias="status")] = None,
                 dienstonderdeel: Annotated[str | None, Query(title="Dienstonderdeel", max_length=200)] = None,
                 categorie: Annotated[str | None, Query(title="Categorie", max_length=200)] = None,
                 periode_van: Annotated[date | None, Query(title="Periode vanaf", alias="periodeVan")] = None,
                 periode_tot: Annotated[date | None, Query(title="Periode tot en met", alias="periodeTot")] = None,
                 sorteer: Annotated[Literal["aangemaakt_op", "-aangemaakt_op", "prioriteit", "-prioriteit",
                                            "zaaknummer", "-zaaknummer"],
                                    Query(title="Sortering")] = "-aangemaakt_op") -> Response:
    """Precies de zaken die u in de lijst ziet (zelfde zoekopdracht, zelfde volgorde, alle pagina's), met de kolommen
    van de lijst; nooit de identiteit van de melder, een ontvangstcode of de omschrijving. Elke export wordt gelogd."""
    filters = search.CaseFilters(q=q, status=status_, category=categorie, unit=dienstonderdeel,
                                 created_from=periode_van, created_to=periode_tot)
    result = export.export_cases(session=session, user=user, fmt=formaat, filters=filters, sort=sorteer)
    return Response(result.content, media_type=result.media_type, headers={
        "Content-Disposition": f'attachment; filename="{result.filename}"', "Cache-Control": "no-store"})


def view_out(view: views.View) -> SavedViewOut:
    f = view.filters
    return SavedViewOut(id=view.id, naam=view.name, zoekopdracht=CaseQuery(
        q=f.q, status=f.status, categorie=f.category, dienstonderdeel=f.unit, periode_van=f.created_from,
        periode_tot=f.created_to, sorteer=view.sort))


@router.get("/weergaven", response_model=list[SavedViewOut], summary="Mijn opgeslagen weergaven van de zakenlijst",
            responses=errors(401))
@read_only
def list_views(user: CurrentUser, session: SessionDep) -> list[SavedViewOut]:
    return [view_out(v) for v in views.list_views(session=session, user=user)]


@router.post("/weergaven", response_model=SavedViewOut, status_code=status.HTTP_201_CREATED,
             summary="Een zoekopdracht (filters en sortering) als persoonlijke weergave opslaan",
             responses=errors(401, 422))
def save_view(body: SavedViewIn, user: CurrentUser, session: SessionDep) -> SavedViewOut:
    z = body.zoekopdracht
    filters = search.CaseFilters(q=z.q, status=z.status, category=z.categorie, unit=z.dienstonderdeel,
                                 created_from=z.periode_van, created_to=z.periode_tot)
    return view_out(views.save_view(session=session, user=user, name=body.naam, filters=filters, sort=z.sorteer))


@router.get("/weergaven/meldingen", response_model=ViewRemovalsOut, responses=errors(401),
            summary="Of weergaven van mij zijn verwijderd omdat de zaak waarnaar zij zochten is vernietigd")
@read_only
def view_removals(user: CurrentUser, session: SessionDep) -> ViewRemovalsOut:
    count = views.removal_notices(session=session, user=user)
    return ViewRemovalsOut(aantal=count, melding=views.REMOVED_NOTICE if count else None)


@router.delete("/weergaven/meldingen", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               summary="De melding over verwijderde weergaven is gelezen", responses=errors(401))
def dismiss_view_removals(user: CurrentUser, session: SessionDep) -> Response:
    views.dismiss_removal_notices(session=session, user=user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/weergaven/{view_id}", response_model=SavedViewOut,
            summary="Eén van mijn weergaven (de zoekopdracht; de zaken: GET /zaken met deze parameters)",
            responses=errors(401, 404))
@read_only
def get_view(view_id: Annotated[int, Path(title="Weergave", ge=1, le=2**31 - 1)], user: CurrentUser,
             session: SessionDep) -> SavedViewOut:
    return view_out(views.get_view(session=session, user=user, view_id=view_id))


@router.delete("/weergaven/{view_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               summary="Eén van mijn weergaven verwijderen", responses=errors(401, 404))
def delete_view(view_id: Annotated[int, Path(title="Weergave", ge=1, le=2**31 - 1)], user: CurrentUser,
                session: SessionDep) -> Response:
    views.delete_view(session=session, user=user, view_id=view_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{case_id}", response_model=CaseDetailOut, summary="Een zaak, voor zover ik die mag zien", responses=ERR)
@read_only
def case_detail(case: VisibleCase, user: CurrentUser, session: SessionDep) -> CaseDetailOut:
    """Vertrouwelijkheidsklassen (``engine.cases.field_classes``): de identiteit van de melder alleen voor wie die
    mag zien; de inhoud van de melding voor iedereen die de zaak behandelt, geredigeerd door het meldpunt."""
    view = field_classes.case_view(session=session, user=user, case=case, page="api")
    classes = field_classes.case_classes(session, case)
    data = {k: v for k, v in workflow_data(session, case).items() if k not in classes}
    data.update(view.substance)
    data.pop("instellingen", None)
    base = summary_out(case).model_dump()
    return CaseDetailOut(**base, melder=ReporterOut(pseudoniem=pseudonym(case.id),
                                                     anoniem=bool((case.summary or {}).get("melder_anoniem")),
                                                     identiteit=view.identity if view.identity_allowed else None),
                         samenvatting=dict(case.summary or {}), gegevens=json.loads(json.dumps(data, default=str)),
                         nog_niet_geredigeerd=view.not_redacted,
                         geredigeerd=view.redacted if view.identity_allowed else None, mag_redigeren=view.may_redact,
                         open_taken=[WorkItemOut.of(i) for i in worklist.for_case(session=session, user=user, case_id=case.id)])


@router.put("/{case_id}/geredigeerd/{veld}", response_model=RedactionOut,
            summary="Meldpunt: de geredigeerde versie van de melding vastleggen (wat de andere behandelaars lezen)",
            responses=errors(401, 403, 404, 422))
def redact(body: RedactionIn, case: VisibleCase, user: CurrentUser, session: SessionDep,
           veld: Annotated[str,
                           Path(title="Veld", min_length=1, max_length=100,
                                pattern=r"^[a-z][a-z0-9_]*$")]) -> RedactionOut:
    """Alleen het meldpunt (dat de identiteit van de melder mag zien). Geweigerd (422) als de tekst de melder nog
    noemt (naam, e-mailadres, telefoon of adres zoals geregistreerd)."""
    view = field_classes.redact(session=session, user=user, case_id=case.id, name=veld, text=body.tekst)
    return RedactionOut(veld=veld, geredigeerd=view.redacted[veld], nog_niet_geredigeerd=view.not_redacted)


@router.get("/{case_id}/taken/afgerond", response_model=list[CompletedTaskOut],
            summary="Afgeronde taken met wat er is ingevuld (alleen-lezen, met de vertrouwelijkheidsklassen)",
            responses=ERR)
@read_only
def completed_tasks(case: VisibleCase, user: CurrentUser, session: SessionDep) -> list[CompletedTaskOut]:
    return [CompletedTaskOut.of(d) for d in completed.completed_tasks(session=session, user=user, case_id=case.id,
                                                                      page="api")]


@router.get("/{case_id}/taken/afgerond/{task_id}", response_model=CompletedTaskOut,
            summary="Eén afgeronde taak met wat er is ingevuld (alleen-lezen)", responses=ERR)
@read_only
def completed_task(case: VisibleCase, task_id: Annotated[int, Path(title="Taak", ge=1, le=2**31 - 1)],
                   user: CurrentUser, session: SessionDep) -> CompletedTaskOut:
    return CompletedTaskOut.of(completed.completed_task(session=session, user=user, case_id=case.id,
                                                        work_item_id=task_id, page="api"))


@router.get("/{case_id}/tijdlijn", response_model=list[TimelineEvent], summary="Tijdlijn (audit) van de zaak",
            responses=ERR)
@read_only
def timeline(case: VisibleCase, user: CurrentUser, session: SessionDep) -> list[TimelineEvent]:
    """Gebeurtenissen zonder vertrouwelijke waarden; wie de identiteit van de melder niet mag zien, ziet de melder
    als pseudoniem en geen gebeurtenissen over identiteit, berichten en bijlagen (``engine.cases.timeline``)."""
    return [TimelineEvent(id=e.id, op=e.at, door=e.actor, actie=e.action, taak_id=e.task_id, details=e.details)
            for e in case_timeline(session=session, user=user, case_id=case.id)]


@router.get("/{case_id}/positie", response_model=PositionOut, summary="Voltooide en actieve elementen (voor de tekening)",
            responses=ERR)
@read_only
def position(case: VisibleCase, session: SessionDep) -> PositionOut:
    if case.state is None or case.process_version_id is None:  # an imported case has no workflow
        return PositionOut(completed=[], active=[])
    return PositionOut(**cases.case_position(session=session, case_id=case.id))


XML_RESPONSE = {200: {"content": {"application/xml": {"schema": {"type": "string"}}}, "description": "BPMN-XML"}}


@router.get("/{case_id}/bpmn", response_class=Response, summary="BPMN-XML van de procesversie van de zaak",
            responses={**XML_RESPONSE, **ERR})
def case_bpmn(case: VisibleCase, session: SessionDep,
              bestand: Annotated[str | None, Query(title="Bestand", max_length=300)] = None) -> Response:
    path, content = processes.case_process_file(session=session, case=case, path=bestand)
    return process_file_response(path, content, {"X-Bestand": path})


# --------------------------------------------------------------------------- reporter channel, desk side

@router.get("/{case_id}/berichten", response_model=list[MessageOut], summary="Berichten met de melder",
            responses=errors(401, 403, 404))
def desk_messages(case: VisibleCase, user: CurrentUser, session: SessionDep) -> list[MessageOut]:
    rows = intake.read_messages(session=session, user=user, case_id=case.id)  # checked and audited (one door)
    return [MessageOut(id=m.id, richting=m.direction, tekst=m.body, verzonden_op=m.created_at) for m in rows]


@router.post("/{case_id}/berichten", response_model=MessageOut, status_code=status.HTTP_201_CREATED,
             summary="Bericht aan de melder (ook een anonieme)", responses=errors(401, 403, 404, 413, 422))
def desk_message(body: MessageIn, case: VisibleCase, user: CurrentUser, session: SessionDep) -> MessageOut:
    m = intake.message_to_reporter(session=session, case_id=case.id, author=user, text=body.tekst)
    return MessageOut(id=m.id, richting=m.direction, tekst=m.body, verzonden_op=m.created_at)


@router.get("/{case_id}/bijlagen", response_model=list[AttachmentOut], summary="Bijlagen van de melder",
            responses=errors(401, 403, 404))
def desk_attachments(case: VisibleCase, user: CurrentUser, session: SessionDep) -> list[AttachmentOut]:
    return [AttachmentOut(id=a.id, bestandsnaam=a.filename, type=a.media_type, grootte=a.size, sha256=a.sha256,
                          toegevoegd_op=a.created_at)
            for a in attachments.reporter_files(session=session, user=user, case_id=case.id)]  # the engine decides


@router.get("/{case_id}/bijlagen/{attachment_id}", response_class=Response, summary="Bijlage van de melder downloaden",
            responses={200: {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
                             "description": "Het bestand"}, **ERR})
def desk_attachment(case: VisibleCase, attachment_id: Annotated[int, Path(title="Bijlage", ge=1, le=2**31 - 1)],
                    user: CurrentUser, session: SessionDep) -> Response:
    # the same door as the case file's download on both surfaces: a file one may not read is not found (audited)
    row, content = attachments.read(session=session, user=user, case_id=case.id, attachment_id=attachment_id,
                                    source=attachments.REPORTER)
    return Response(content, media_type=row.media_type, headers={
        "X-Content-SHA256": row.sha256, "Content-Disposition": f'attachment; filename="{row.filename}"'})


# --------------------------------------------------------------------------- internal notes and files (issue 23)

def _note_out(n) -> NoteOut:
    return NoteOut(id=n.id, tekst=n.text, auteur=n.author, geschreven_op=n.created_at, gewijzigd_op=n.edited_at,
                   te_wijzigen_tot=n.editable_until)


@router.get("/{case_id}/notities", response_model=list[NoteOut], summary="Interne notities van de behandelaars",
            responses=ERR)
@read_only
def case_notes(case: VisibleCase, user: CurrentUser, session: SessionDep) -> list[NoteOut]:
    return [_note_out(n) for n in notes.visible_notes(session=session, user=user, case_id=case.id)]


@router.post("/{case_id}/notities", response_model=NoteOut, status_code=status.HTTP_201_CREATED,
             summary="Een interne notitie toevoegen (nooit zichtbaar voor melder of betrokkene)",
             responses=errors(401, 404, 422))
def add_note(body: NoteIn, case: VisibleCase, user: CurrentUser, session: SessionDep) -> NoteOut:
    return _note_out(notes.add(session=session, user=user, case_id=case.id, text=body.tekst))


@router.put("/{case_id}/notities/{note_id}", response_model=NoteOut,
            summary="Eigen notitie wijzigen (kort na het schrijven)", responses=errors(401, 403, 404, 409, 422))
def edit_note(body: NoteIn, case: VisibleCase, note_id: Annotated[int, Path(title="Notitie", ge=1, le=2**31 - 1)],
              user: CurrentUser, session: SessionDep) -> NoteOut:
    return _note_out(notes.edit(session=session, user=user, case_id=case.id, note_id=note_id, text=body.tekst))


def file_out(a) -> CaseFileOut:
    return CaseFileOut(id=a.id, bestandsnaam=a.filename, type=a.media_type, grootte=a.size, sha256=a.sha256,
                       toegevoegd_op=a.created_at, bron=a.source, soort=a.kind,
                       metadata_verwijderd=attachments.removed_metadata(a))


@router.get("/{case_id}/bestanden", response_model=list[CaseFileOut],
            summary="Bestanden in het dossier (van behandelaars; van de melder voor wie de identiteit mag zien)",
            responses=ERR)
def case_files(case: VisibleCase, user: CurrentUser, session: SessionDep) -> list[CaseFileOut]:
    return [file_out(a) for a in attachments.visible_files(session=session, user=user, case_id=case.id)]


@router.post("/{case_id}/bestanden", response_model=CaseFileOut, status_code=status.HTTP_201_CREATED,
             summary="Een bestand aan het dossier toevoegen (verslag, ondertekend verslag, bewijsstuk); metadata "
                     "wordt vóór opslag verwijderd", responses=errors(401, 403, 404, 413, 422))
def add_case_file(case: VisibleCase, user: CurrentUser, session: SessionDep,
                  bestand: Annotated[UploadFile,
                                     File(title="Bestand", description="Het bestand (pdf, png, jpg, txt, docx, xlsx)")],
                  soort: Annotated[str, Form(title="Soort", max_length=40, description=(
                      "verslag, ondertekend_verslag, bewijs of overig"))]) -> CaseFileOut:
    content = bestand.file.read(attachments.MAX_HANDLER_BYTES + 1)
    return file_out(attachments.add(session=session, case_id=case.id, filename=bestand.filename, content=content,
                                    by=user, kind=soort))


@router.get("/{case_id}/bestanden/{file_id}", response_class=Response, summary="Een bestand uit het dossier downloaden",
            responses={200: {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
                             "description": "Het bestand (zonder metadata)"}, **ERR})
def case_file(case: VisibleCase, file_id: Annotated[int, Path(title="Bestand", ge=1, le=2**31 - 1)], user: CurrentUser,
              session: SessionDep) -> Response:
    row, content = attachments.read(session=session, user=user, case_id=case.id, attachment_id=file_id)
    return Response(content, media_type=row.media_type, headers={
        "X-Content-SHA256": row.sha256, "Content-Disposition": f'attachment; filename="{row.filename}"'})


# --------------------------------------------------------------------------- identity reveal (DOMAIN §4)

@router.get("/{case_id}/onthullingen", response_model=list[RevealOut], summary="Verzoeken om de identiteit bekend te maken",
            responses=ERR)
def reveals(case_id: IdPath, user: CurrentUser, session: SessionDep) -> list[RevealOut]:
    return [RevealOut.of(r) for r in reveal.list_reveals(session=session, user=user, case_id=case_id)]


@router.post("/{case_id}/onthullingen", response_model=RevealOut, status_code=status.HTTP_201_CREATED,
             summary="Verzoek: identiteit van de melder bekendmaken aan een medewerker (met reden)",
             responses=errors(401, 403, 404, 422))
def request_reveal(body: RevealRequestIn, case: VisibleCase, user: CurrentUser, session: SessionDep) -> RevealOut:
    return RevealOut.of(reveal.request_reveal(session=session, case_id=case.id, by=user, grantee_id=body.ontvanger_id,
                                              reason=body.reden))


@router.post("/{case_id}/onthullingen/{reveal_id}/besluit", response_model=RevealOut,
             summary="Besluit van de integriteitscoördinator; bij goedkeuring wordt de melder eerst schriftelijk geïnformeerd",
             responses=errors(401, 403, 404, 409, 422))
def decide_reveal(body: RevealDecisionIn, case: VisibleCase,
                  reveal_id: Annotated[int, Path(title="Verzoek om onthulling", ge=1, le=2**31 - 1)], user: CurrentUser,
                  session: SessionDep) -> RevealOut:
    return RevealOut.of(reveal.decide_reveal(session=session, case_id=case.id, reveal_id=reveal_id, by=user,
                                             approve=body.goedkeuren, note=body.toelichting))
