"""Oral reports and follow-up after closure (issue 23; EU 2019/1937 art. 9(2), art. 18, art. 19-21).

One door for the web pages (and any later API): who may do what is decided here.

* **Meeting request** — the reporter (public form or "Mijn melding") asks for a meeting in person or by phone;
  the desk sees it on the case page.
* **Oral report** — the desk (``access.may_message_reporter``: the desk or coordinator who may see the reporter's
  identity) registers a report made by phone or in a meeting, with its date, channel and transcript. The transcript
  goes to the reporter's inbox ("Mijn melding", also for an anonymous reporter) to check, correct and sign within
  the term the manifest declares (``reporter_contact.oral_report.review_term``, a legal term under the Algemene
  termijnenwet). The reporter signs or sends corrections; the desk answers corrections with a new version (a
  contact task with a term, ``corrections_task_term``, until it does). Every version is kept; only the reporter
  signs, and :func:`signed_transcript` refuses an unsigned report. While the transcript waits on the reporter
  within its term, or on the desk with corrections, the case is not destroyed (``engine.records.service``).
* **Follow-up** — when a case closes, a check-in per term of ``reporter_contact.follow_up.after_closure`` is
  planned on the engine clock; :func:`send_due` (the timer worker) puts the question in the inbox. A case without an
  inbox gets its check-ins recorded as ``geen_inbox``: visible, nothing sent. "Ja" (adverse consequences) opens a
  task for ``signal_role`` (the coordinator) and shows the reporter where to find the Huis voor Klokkenluiders.

Texts to the reporter pass the leak guard (``engine.cases.reporter_texts``). Audit lines carry numbers and codes,
never a text, a name or a receipt code.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.cases.models import Case
from engine.clock import now
from engine.contact.models import ContactTask, FollowUp, MeetingRequest, OralReport, TranscriptVersion
from engine.contact.rules import DEFAULT_CORRECTIONS_TASK_TERM, ReporterContact
from engine.errors import DomainError, FieldError, InvalidData, NotAuthorized, NotFound, TaskNotReady, TaskTaken
from engine.identity.models import ReceiptCode, ReporterSession, User
from engine.intake.models import CaseMessage
from engine import legal_terms

MAX_TRANSCRIPT = 20_000
MAX_WISH = 1_000
MAX_ANSWER = 5_000
MEETING_KINDS = {"gesprek": "Persoonlijk gesprek", "telefoon": "Telefoongesprek"}
HUIS_VOOR_KLOKKENLUIDERS = ("Ervaart u nadelige gevolgen van uw melding? Het Huis voor Klokkenluiders geeft u gratis "
                            "en vertrouwelijk advies: huisvoorklokkenluiders.nl, telefoon 088 133 10 30.")


class NotSigned(DomainError):
    """The transcript of an oral report counts as signed only after the reporter signed it."""

    code = "not-signed"
    title = "Nog niet ondertekend"
    status = 409


# --------------------------------------------------------------------------- the declaration of the case

def rules_of(session: Session, case: Case) -> ReporterContact:
    """The case's process version's ``reporter_contact`` (empty when the version declares none)."""
    from engine.processes import service as processes

    if case.process_version_id is None:
        return ReporterContact()
    parsed = processes.parsed_version(session=session, version_id=case.process_version_id)
    return parsed.manifest.reporter_contact or ReporterContact()


# built once (issue 25): a step that sends the reporter a letter asks
_HAS_INBOX = select(ReceiptCode.id).where(ReceiptCode.case_id == bindparam("case_id"),
                                          ReceiptCode.revoked_at.is_(None)).limit(1)


def has_inbox(session: Session, case_id: int) -> bool:
    """Whether the reporter has "Mijn melding": a receipt code of the case that is not revoked."""
    return session.scalar(_HAS_INBOX, {"case_id": case_id}) is not None


def _case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("Zaak niet gevonden.")
    return case


def _lock_case(session: Session, case_id: int) -> None:
    """Row-lock the case before contact with the reporter reopens: the destruction of a case locks the same row and
    then checks that no contact runs (engine.records.service.execute_approved), so the two never cross - either the
    contact committed first and the case is held back, or it waits and finds the case destroyed."""
    session.execute(select(Case.id).where(Case.id == case_id).with_for_update())


def _today() -> date:
    return legal_terms.local_date(now())


def _invalid(*errors: FieldError) -> InvalidData:
    """A refusal whose text is the Dutch messages (each names its field by its label)."""
    return InvalidData(list(errors), detail=" ".join(e.message for e in errors))


def _text(value: str | None, field: str, label: str, cap: int, *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise _invalid(FieldError(field, f"‘{label}’ is leeg; vul het in."))
    if len(text) > cap:
        raise _invalid(FieldError(field, f"‘{label}’ mag hoogstens {cap:,} tekens bevatten; u gebruikte er "
                                             f"{len(text):,}.".replace(",", ".")))
    return text


def _to_reporter(session: Session, case: Case, body: str, author: User | None) -> CaseMessage:
    """A message in the reporter's inbox (the desk's texts are checked by the caller's leak guard)."""
    msg = CaseMessage(case_id=case.id, direction="naar_melder", author_id=author.id if author else None, body=body,
                      created_at=now())
    session.add(msg)
    session.flush()
    return msg


def _dutch(day: date) -> str:
    months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
              "oktober", "november", "december"]
    return f"{day.day} {months[day.month - 1]} {day.year}"


# --------------------------------------------------------------------------- meeting requests

def request_meeting(*, session: Session, case_id: int, kind: str, wish: str | None, source: str) -> MeetingRequest:
    """The reporter asks for a meeting in person or by phone (``source``: formulier | inbox)."""
    from engine.records.service import lock_live_case

    case = _case(session, case_id)
    lock_live_case(session, case_id)  # not into a case destroyed meanwhile
    if not _takes_meeting_requests(session, case):
        raise NotAuthorized("Dit meldpunt neemt geen mondelinge meldingen aan; schrijf uw vraag in een bericht.")
    if kind not in MEETING_KINDS:
        raise _invalid(FieldError("gesprek", "‘Soort gesprek’: kies een persoonlijk gesprek of een "
                                                 "telefoongesprek."))
    row = MeetingRequest(case_id=case.id, kind=kind, source=source, created_at=now(),
                         wish=_text(wish, "wens", "Wanneer en hoe kunnen wij u bereiken?", MAX_WISH,
                                    required=False) or None)
    session.add(row)
    session.flush()
    audit.append(session=session, actor="melder", action="meeting.requested", case_id=case.id,
                 details={"verzoek": row.id, "soort": kind, "bron": source})
    from engine.notifications import service as notifications

    notifications.reporter_message(session, case_id=case.id)  # that there is a request, never what it says
    return row


def _meeting_requests(session: Session, case_id: int) -> list[MeetingRequest]:
    return list(session.scalars(select(MeetingRequest).where(MeetingRequest.case_id == case_id)
                                .order_by(MeetingRequest.id)))


def meeting_requests(*, session: Session, user: User, case_id: int) -> list[MeetingRequest]:
    """The reporter's requests for a meeting, for who may see the oral reports (:func:`require_oral`)."""
    require_oral(session=session, user=user, case_id=case_id)
    return _meeting_requests(session, case_id)


def reporter_meeting_requests(*, session: Session, reporter: ReporterSession) -> list[MeetingRequest]:
    """The reporter's own requests, in her own channel (a live reporter session: ``engine.identity.receipts``)."""
    return _meeting_requests(session, _reporter_case(reporter))


def open_meeting_requests(*, session: Session, user: User) -> list[tuple[MeetingRequest, Case]]:
    """Meeting requests not yet held, on cases where ``user`` may write the reporter (the desk's worklist)."""
    from engine.identity import access

    rows = session.scalars(select(MeetingRequest).where(MeetingRequest.oral_report_id.is_(None))
                           .order_by(MeetingRequest.created_at, MeetingRequest.id))
    return [(row, session.get(Case, row.case_id)) for row in rows
            if access.may_message_reporter(session=session, user=user, case_id=row.case_id)]


# --------------------------------------------------------------------------- oral reports

def _may_register(session: Session, user: User, case_id: int) -> None:
    from engine.identity import access

    if not access.may_message_reporter(session=session, user=user, case_id=case_id):
        raise NotAuthorized("Alleen het meldpunt of de integriteitscoördinator van de zaak legt een mondelinge "
                            "melding vast.")


def _transcript(session: Session, case: Case, value: str | None) -> str:
    from engine.cases import reporter_texts

    body = _text(value, "verslag", "Verslag", MAX_TRANSCRIPT)
    reporter_texts.check_message(session, case, body, field="verslag")  # it goes to the reporter
    return body


def _offer(session: Session, case: Case, report: OralReport, version: int, user: User, rule) -> None:
    report.status = "ter_controle"
    report.review_due = legal_terms.legal_deadline(_today(), rule.review_term)
    channel = rule.channels.get(report.channel, report.channel).lower()
    _to_reporter(session, case, (
        f"Het verslag van uw mondelinge melding ({channel}, {_dutch(report.held_on)}) staat klaar onder ‘Verslag van "
        f"uw mondelinge melding’ (versie {version}). Controleer het en onderteken het, of stuur ons uw correcties, "
        f"uiterlijk op {_dutch(report.review_due)}."), user)


def oral_intake(session: Session, case: Case) -> bool:
    """Whether the staff intake recorded the report as received orally (its way of receipt is one of the declared
    channels, e.g. ``telefoon`` or ``gesprek``): the desk then registers the transcript for the reporter to sign."""
    from engine.cases import service as cases

    rule = rules_of(session, case).oral_report
    return rule is not None and cases.case_data(session=session, case_id=case.id).get("ontvangstwijze") in rule.channels


def register_oral_report(*, session: Session, user: User, case_id: int, channel: str, held_on: str | date,
                         transcript: str | None, meeting_request_id: int | None = None) -> OralReport:
    """The desk records an oral report (by phone or in a meeting) and offers its transcript to the reporter.
    Contact with the reporter reopens: a transcript under review holds the case back from destruction
    (``engine.records.service.postponement``), so the case row is locked first and a destroyed case refused."""
    from engine.records.service import lock_live_case, recheck_case

    _may_register(session, user, case_id)
    case = _case(session, case_id)
    lock_live_case(session, case.id)  # not onto a case destroyed meanwhile
    rule = rules_of(session, case).oral_report
    if rule is None:
        raise NotAuthorized("Het proces van deze zaak kent geen mondelinge melding (reporter_contact.oral_report).")
    errors = []
    if channel not in rule.channels:
        errors.append(FieldError("kanaal", "‘Kanaal’: kies " + " of ".join(v.lower() for v in rule.channels.values())
                                 + "."))
    try:
        day = held_on if isinstance(held_on, date) else date.fromisoformat(str(held_on or "").strip())
    except ValueError:
        day = None
        errors.append(FieldError("datum", "‘Datum van het gesprek’ is geen geldige datum (dd-mm-jjjj)."))
    if day is not None and day > _today():
        errors.append(FieldError("datum", "‘Datum van het gesprek’ ligt in de toekomst; leg het gesprek vast nadat "
                                          "het is gevoerd."))
    request = None
    if meeting_request_id is not None:
        request = session.get(MeetingRequest, meeting_request_id)
        if request is None or request.case_id != case.id or request.oral_report_id is not None:
            errors.append(FieldError("verzoek", "‘Op verzoek van de melder’: dit verzoek hoort niet bij deze zaak of "
                                                "is al afgehandeld."))
    if errors:
        raise _invalid(*errors)
    if not has_inbox(session, case.id):
        raise NotAuthorized("De melder heeft geen ‘Mijn melding’ (geen ontvangstcode): het verslag kan niet ter "
                            "controle en ondertekening worden aangeboden. Leg het vast als bestand in het dossier.")
    body = _transcript(session, case, transcript)
    report = OralReport(case_id=case.id, channel=channel, held_on=day, registered_by_id=user.id, created_at=now(),
                        status="ter_controle", review_due=_today())
    session.add(report)
    session.flush()
    session.add(TranscriptVersion(oral_report_id=report.id, number=1, kind="verslag", author_id=user.id, body=body,
                                  created_at=now()))
    if request is not None:
        request.oral_report_id = report.id
    _offer(session, case, report, 1, user, rule)
    session.flush()
    audit.append(session=session, actor=user.username, action="oral_report.registered", case_id=case.id,
                 details={"verslag": report.id, "kanaal": channel, "datum": day.isoformat(), "versie": 1,
                          "termijn": report.review_due.isoformat()})
    recheck_case(session, case.id)  # the transcript is under review: the case leaves a destruction list it waits on
    return report


def versions(*, session: Session, oral_report_id: int) -> list[TranscriptVersion]:
    return list(session.scalars(select(TranscriptVersion).where(TranscriptVersion.oral_report_id == oral_report_id)
                                .order_by(TranscriptVersion.number)))


def _latest_transcript(session: Session, report: OralReport) -> TranscriptVersion:
    return [v for v in versions(session=session, oral_report_id=report.id) if v.kind == "verslag"][-1]


def _report_of(session: Session, case_id: int, oral_report_id: int) -> OralReport:
    report = session.get(OralReport, oral_report_id)
    if report is None or report.case_id != case_id:
        raise NotFound("Verslag niet gevonden.")
    return report


def revise(*, session: Session, user: User, case_id: int, oral_report_id: int, transcript: str | None) -> TranscriptVersion:
    """The desk answers corrections with a new version of the transcript; the term starts again. The new version
    is what the corrections task asks for: it is completed here (outcome ``nieuwe_versie``, by the author of the
    version); an open task for a passed term is moot (``vervallen``)."""
    from engine.records.service import lock_live_case, recheck_case

    _may_register(session, user, case_id)
    case = _case(session, case_id)
    lock_live_case(session, case.id)  # the review reopens: not onto a case destroyed meanwhile
    report = _report_of(session, case.id, oral_report_id)
    if report.status == "ondertekend":
        raise NotAuthorized("De melder heeft het verslag ondertekend; het ondertekende verslag blijft zoals het is.")
    rule = rules_of(session, case).oral_report
    body = _transcript(session, case, transcript)
    number = len(versions(session=session, oral_report_id=report.id)) + 1
    version = TranscriptVersion(oral_report_id=report.id, number=number, kind="verslag", author_id=user.id,
                                body=body, created_at=now())
    session.add(version)
    _offer(session, case, report, number, user, rule)
    session.flush()
    _cancel_tasks(session, report, user.username, "nieuwe versie voorgelegd", kinds={UNSIGNED})
    _corrections_answered(session, report, user, number)
    audit.append(session=session, actor=user.username, action="oral_report.revised", case_id=case.id,
                 details={"verslag": report.id, "versie": number, "termijn": report.review_due.isoformat()})
    recheck_case(session, case.id)  # under review again: the case leaves a destruction list it waits on
    return version


def sign(*, session: Session, case_id: int, oral_report_id: int, version: int, agreed: bool) -> OralReport:
    """The reporter signs the version they read (only from the reporter's own channel: the caller proved the
    receipt-code session). The latest version of the desk, while it waits for the reporter, and nothing else."""
    from engine.records.service import lock_live_case

    lock_live_case(session, case_id)  # not into a case destroyed meanwhile
    report = _report_of(session, case_id, oral_report_id)
    if report.status == "ondertekend":
        raise NotAuthorized("U heeft dit verslag al ondertekend.")
    if report.status == "niet_ondertekend":
        raise NotAuthorized(NOT_SIGNED_TO_REPORTER)
    if report.status != "ter_controle":
        raise NotAuthorized("Het meldpunt verwerkt uw correcties; u ondertekent straks de nieuwe versie.")
    latest = _latest_transcript(session, report)
    if latest.number != version:
        raise _invalid(FieldError("versie", "Er is intussen een nieuwe versie van het verslag; lees die en "
                                                "onderteken dan."))
    if not agreed:
        raise _invalid(FieldError("akkoord", "Vink ‘Ik verklaar dat dit verslag juist en volledig is’ aan om "
                                                 "te ondertekenen."))
    report.status, report.signed_version_id, report.signed_at = "ondertekend", latest.id, now()
    session.flush()
    _cancel_tasks(session, report, "melder", "ondertekend door de melder")
    audit.append(session=session, actor="melder", action="oral_report.signed", case_id=case_id,
                 details={"verslag": report.id, "versie": latest.number,
                          "tijdig": _today() <= report.review_due})
    from engine.notifications import service as notifications

    notifications.reporter_message(session, case_id=case_id)
    return report


def correct(*, session: Session, case_id: int, oral_report_id: int, text: str | None) -> TranscriptVersion:
    """The reporter sends corrections; kept as a version of its own for the desk to work in. The desk gets a task
    to answer them with a new version (:data:`CORRECTIONS`, once per round: the desk's version they correct), for
    the rule's ``unsigned_role`` within its ``corrections_task_term``; :func:`revise` completes it."""
    from engine.records.service import lock_live_case

    lock_live_case(session, case_id, exclusive=True)  # not into a case destroyed meanwhile; it opens a task
    report = _report_of(session, case_id, oral_report_id)
    if report.status == "ondertekend":
        raise NotAuthorized("U heeft dit verslag al ondertekend; stuur een bericht als u iets wilt aanvullen.")
    if report.status == "niet_ondertekend":
        raise NotAuthorized(NOT_SIGNED_TO_REPORTER)
    body = _text(text, "correcties", "Uw correcties", MAX_TRANSCRIPT)
    corrected = _latest_transcript(session, report).number  # the round: the desk's version the reporter corrects
    number = len(versions(session=session, oral_report_id=report.id)) + 1
    version = TranscriptVersion(oral_report_id=report.id, number=number, kind="correctie", author_id=None,
                                body=body, created_at=now())
    session.add(version)
    report.status = "correctie_ontvangen"
    session.flush()
    _cancel_tasks(session, report, "melder", "correcties van de melder", kinds={UNSIGNED})
    audit.append(session=session, actor="melder", action="oral_report.corrected", case_id=case_id,
                 details={"verslag": report.id, "versie": number})
    case = _case(session, case_id)
    rule = rules_of(session, case).oral_report
    # a second message of corrections in the same round finds the round's task open (same key): no second task
    _open_task(session, case, kind=CORRECTIONS, key=f"{CORRECTIONS}:{report.id}:{corrected}",
               role=rule.unsigned_role if rule else DEFAULT_DESK_ROLE,
               term=rule.corrections_task_term if rule else DEFAULT_CORRECTIONS_TASK_TERM, oral_report_id=report.id)
    from engine.notifications import service as notifications

    notifications.reporter_message(session, case_id=case_id)
    return version


def signed_transcript(*, session: Session, oral_report_id: int) -> TranscriptVersion:
    """The version the reporter signed; :class:`NotSigned` while they have not."""
    report = session.get(OralReport, oral_report_id)
    if report is None:
        raise NotFound("Verslag niet gevonden.")
    if report.status != "ondertekend" or report.signed_version_id is None:
        raise NotSigned("Het verslag van de mondelinge melding is nog niet door de melder ondertekend.")
    return session.get(TranscriptVersion, report.signed_version_id)


@dataclass(frozen=True)
class OralReportView:
    report: OralReport
    channel: str  # Dutch
    versions: list[TranscriptVersion]
    latest: TranscriptVersion  # the desk's latest version
    status_text: str
    overdue: bool


STATUS = {"ter_controle": "Wacht op controle en ondertekening door de melder",
          "correctie_ontvangen": "De melder stuurde correcties; maak een nieuwe versie",
          "ondertekend": "Ondertekend door de melder",
          "niet_ondertekend": "Niet ondertekend: de melder tekende niet binnen de termijn (vastgelegd door het "
                              "meldpunt)"}


def oral_reports(*, session: Session, user: User, case_id: int) -> list[OralReportView]:
    """The case's oral reports with every version, for who may see them (:func:`require_oral`)."""
    require_oral(session=session, user=user, case_id=case_id)
    return _oral_reports(session, case_id)


def reporter_oral_reports(*, session: Session, reporter: ReporterSession) -> list[OralReportView]:
    """The oral reports of the reporter's own case, in her own channel (a live reporter session)."""
    return _oral_reports(session, _reporter_case(reporter))


def _oral_reports(session: Session, case_id: int) -> list[OralReportView]:
    case = _case(session, case_id)
    rule = rules_of(session, case).oral_report
    channels = rule.channels if rule else {}
    found = []
    for report in session.scalars(select(OralReport).where(OralReport.case_id == case_id).order_by(OralReport.id)):
        rows = versions(session=session, oral_report_id=report.id)
        found.append(OralReportView(report, channels.get(report.channel, report.channel), rows,
                                    [v for v in rows if v.kind == "verslag"][-1], STATUS.get(report.status, ""),
                                    report.status == "ter_controle" and _today() > report.review_due))
    return found


def review_deadlines(*, session: Session, user: User, case_id: int) -> list[tuple[str, datetime]]:
    """(name, moment) of the running terms to sign a transcript (the case page's deadlines), for who may see the
    case (:class:`NotFound` otherwise)."""
    from engine.identity import access

    case = access.require_visible_case(session=session, user=user, case_id=case_id)
    rule = rules_of(session, case).oral_report
    return [(f"Verslag mondelinge melding: {rule.name if rule else 'ondertekening'}",
             legal_terms.end_of_day_utc(r.review_due))
            for r in session.scalars(select(OralReport).where(OralReport.case_id == case_id,
                                                              OralReport.status == "ter_controle"))]


# --------------------------------------------------------------------------- follow-up after closure

def _start_of_day(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=legal_terms.AMSTERDAM).astimezone(timezone.utc)


def case_closed(session: Session, case: Case, rules: ReporterContact | None) -> list[FollowUp]:
    """Plan the check-ins of a case that just closed (from the case service, in the closing step)."""
    rule = rules.follow_up if rules else None
    if rule is None or case.id is None:
        return []
    inbox = has_inbox(session, case.id)
    closed_on = legal_terms.local_date(case.closed_at or now())
    rows = [FollowUp(case_id=case.id, term=term, state="gepland" if inbox else "geen_inbox",
                     due_at=_start_of_day(legal_terms.add_calendar(closed_on, legal_terms.parse_duration(term))))
            for term in rule.after_closure]
    session.add_all(rows)
    session.flush()
    audit.append(session=session, actor="system", action="follow_up.planned", case_id=case.id,
                 details={"termijnen": list(rule.after_closure), "brievenbus": inbox})
    return rows


def send_due(*, session: Session) -> int:
    """Send every planned check-in whose moment passed on the engine clock; returns how many were handled.

    Each check-in under its case's row lock (:func:`_lock_case`), read again once it holds it: a case destroyed
    while this round waited on its row is skipped (its check-in went with it), and so is a check-in that another
    worker's round sent meanwhile (the reporter gets the question once); the other check-ins go out. The lock is
    exclusive, not shared as the reporter's own writes take it: the same sweep may open a contact task for the case
    (:func:`escalate_unsigned`), which locks it for update, and two rounds each holding it shared would deadlock."""
    from engine.records.service import is_destroyed

    handled = 0
    due = session.execute(select(FollowUp.id, FollowUp.case_id).where(FollowUp.state == "gepland",
                                                                      FollowUp.due_at <= now())
                          .order_by(FollowUp.due_at, FollowUp.id)).all()
    for row_id, case_id in due:
        _lock_case(session, case_id)
        if is_destroyed(session, case_id):
            continue
        row = session.scalar(select(FollowUp).where(FollowUp.id == row_id, FollowUp.state == "gepland"))
        if row is None:
            continue
        case = session.get(Case, case_id)
        rule = rules_of(session, case).follow_up
        if rule is None or not has_inbox(session, case.id):
            row.state = "geen_inbox"
        else:
            msg = _to_reporter(session, case, f"{rule.question} U kunt deze vraag beantwoorden onder ‘Nazorg’ op "
                                              f"deze pagina. Uw antwoord helpt ons u te beschermen.", None)
            row.state, row.sent_at, row.message_id = "verstuurd", now(), msg.id
        audit.append(session=session, actor="system", action="follow_up.sent", case_id=case.id,
                     details={"nazorg": row.id, "termijn": row.term, "verstuurd": row.state == "verstuurd"})
        handled += 1
    session.flush()
    return handled


def send_due_in(database) -> int:
    """:func:`send_due` in a transaction of its own (the timer worker)."""
    with database.session() as session:
        return send_due(session=session)


def answer(*, session: Session, case_id: int, follow_up_id: int, adverse: str, text: str | None) -> FollowUp:
    """The reporter answers a check-in (the caller proved the receipt-code session)."""
    _lock_case(session, case_id)
    row = session.get(FollowUp, follow_up_id)
    if row is None or row.case_id != case_id or row.state not in ("verstuurd", "beantwoord"):
        raise NotFound("Deze vraag staat niet (meer) voor u open.")
    if row.state == "beantwoord":
        raise NotAuthorized("U heeft deze vraag al beantwoord; stuur een bericht als u iets wilt aanvullen.")
    if adverse not in ("ja", "nee"):
        raise _invalid(FieldError("nadelige_gevolgen", "‘Heeft u nadelige gevolgen ervaren?’: kies ja of nee."))
    row.answer, row.answered_at, row.state = adverse, now(), "beantwoord"
    row.answer_text = _text(text, "toelichting", "Toelichting", MAX_ANSWER, required=False) or None
    if adverse == "ja":
        case = _case(session, case_id)
        rule = rules_of(session, case).follow_up
        row.signal, row.signal_role = "open", rule.signal_role if rule else "integriteitscoordinator"
        session.flush()
        _open_task(session, case, kind=RETALIATION, key=f"{RETALIATION}:{row.id}", role=row.signal_role,
                   term=rule.signal_task_term if rule else None, follow_up_id=row.id)
    session.flush()
    audit.append(session=session, actor="melder", action="follow_up.answered", case_id=case_id,
                 details={"nazorg": row.id, "antwoord": adverse})
    from engine.notifications import service as notifications

    notifications.reporter_message(session, case_id=case_id)
    return row


DEFAULT_QUESTION = "Heeft u na uw melding nadelige gevolgen ervaren?"


def question_of(session: Session, case: Case) -> str:
    rule = rules_of(session, case).follow_up
    return rule.question if rule else DEFAULT_QUESTION


def follow_up_question(*, session: Session, case_id: int) -> str:
    """:func:`question_of` for a case the caller already opened (the reporter's session, ``engine.identity.receipts``)."""
    return question_of(session, _case(session, case_id))


def reporter_may_ask_meeting(*, session: Session, case_id: int) -> bool:
    """Whether the case's process lets the reporter ask for a meeting (its ``reporter_contact.oral_report``), for a
    case the caller already opened (the reporter's session)."""
    return _takes_meeting_requests(session, _case(session, case_id))


def _takes_meeting_requests(session: Session, case: Case) -> bool:
    """The one rule: the case's process declares oral reports (``reporter_contact.oral_report``)."""
    return rules_of(session, case).oral_report is not None


def _follow_ups(session: Session, case_id: int) -> list[FollowUp]:
    return list(session.scalars(select(FollowUp).where(FollowUp.case_id == case_id)
                                .order_by(FollowUp.due_at, FollowUp.id)))


def follow_ups(*, session: Session, user: User, case_id: int) -> list[FollowUp]:
    """Every follow-up question of the case, planned, sent or answered, for who may see the follow-up
    (:func:`may_see_follow_up`): :class:`NotFound` for who may not see the case, :class:`NotAuthorized` for
    another handler of it."""
    from engine.identity import access

    case = access.require_visible_case(session=session, user=user, case_id=case_id)
    if not may_see_follow_up(session=session, user=user, case=case):
        raise NotAuthorized("Alleen het meldpunt en de integriteitscoördinator zien de nazorg van de zaak.")
    return _follow_ups(session, case_id)


def reporter_follow_ups(*, session: Session, reporter: ReporterSession) -> list[FollowUp]:
    """The questions put to the reporter (sent or answered), in her own channel (a live reporter session)."""
    return [f for f in _follow_ups(session, _reporter_case(reporter)) if f.state in ("verstuurd", "beantwoord")]


def reporter_signals_retaliation(*, session: Session, case_id: int) -> bool:
    return session.scalar(select(FollowUp.id).where(FollowUp.case_id == case_id, FollowUp.answer == "ja")
                          .limit(1)) is not None


def _reporter_case(reporter: ReporterSession) -> int:
    """The one case a live reporter session opens (``engine.identity.receipts.resolve_reporter_session``)."""
    if reporter is None or reporter.receipt.case_id is None:
        raise NotFound("Geen melding bij deze ontvangstcode.")
    return reporter.receipt.case_id


def require_oral(*, session: Session, user: User, case_id: int) -> None:
    """Oral reports and meeting requests: for who may see them (:func:`may_see_oral_reports`); :class:`NotFound`
    for who may not see the case at all, :class:`NotAuthorized` for another handler of it."""
    if may_see_oral_reports(session=session, user=user, case_id=case_id):
        return
    from engine.identity import access

    access.require_visible_case(session=session, user=user, case_id=case_id)
    raise NotAuthorized("Alleen het meldpunt en de integriteitscoördinator van de zaak zien de mondelinge "
                        "melding en het verslag.")


def may_see_oral_reports(*, session: Session, user: User, case_id: int) -> bool:
    """Oral reports and meeting requests carry the reporter's words: who may write the reporter."""
    from engine.identity import access

    return access.may_message_reporter(session=session, user=user, case_id=case_id)


def may_see_follow_up(*, session: Session, user: User, case: Case) -> bool:
    """The follow-up (answers may identify the reporter): who may write the reporter, and the signal role."""
    from engine.identity import access

    rule = rules_of(session, case).follow_up
    return may_see_oral_reports(session=session, user=user, case_id=case.id) or bool(
        rule and access.holds_any_role(session=session, user=user, roles={rule.signal_role})
        and access.can_see_case(session=session, user=user, case_id=case.id))


# --------------------------------------------------------------------------- contact tasks (outside the BPMN process)

UNSIGNED = "verslag_niet_ondertekend"
CORRECTIONS = "correcties_verwerken"
RETALIATION = "represaille"
TRANSCRIPT_TASKS = frozenset({UNSIGNED, CORRECTIONS})  # tasks on the transcript of an oral report
DEFAULT_DESK_ROLE = "meldpunt"  # the rule's own default for unsigned_role
TASK_NAMES = {UNSIGNED: "Verslag niet ondertekend: melder herinneren of vastleggen dat niet is getekend",
              CORRECTIONS: "Correcties van de melder verwerken: nieuwe versie van het verslag voorleggen",
              RETALIATION: "Signaal van benadeling opvolgen"}
# outcome code -> (Dutch label, motivation required)
OUTCOMES = {
    UNSIGNED: {"herinnerd": ("Melder herinnerd via ‘Mijn melding’ (de termijn begint opnieuw)", False),
               "niet_ondertekend": ("Vastleggen dat de melder het verslag niet heeft ondertekend", True)},
    # recorded only by revise(): the task is done when the new version is there, never by saying so
    CORRECTIONS: {"nieuwe_versie": ("Nieuwe versie van het verslag aan de melder voorgelegd (de termijn begint "
                                    "opnieuw)", False)},
    RETALIATION: {"maatregelen": ("Maatregelen getroffen om de melder te beschermen", True),
                  "doorverwezen": ("Doorverwezen (bijvoorbeeld naar het Huis voor Klokkenluiders of de "
                                   "vertrouwenspersoon)", True),
                  "geen_benadeling": ("Geen benadeling vastgesteld", True)},
}
MAX_MOTIVATION = 5_000
CORRECTIONS_DONE_BY_REVISING = ("Deze taak rondt u af door een nieuwe versie van het verslag aan de melder voor te "
                                "leggen (op de zaakpagina, onder ‘Mondelinge melding en verslag’); de taak is dan "
                                "vanzelf afgerond. Neemt u een correctie niet over, leg dan toch een nieuwe versie "
                                "voor: alleen zo kan de melder het verslag weer ondertekenen.")
NOT_SIGNED_TO_REPORTER = ("Het meldpunt heeft vastgelegd dat dit verslag niet is ondertekend. Wilt u nog iets "
                          "aanvullen of corrigeren? Stuur ons dan een bericht.")
HUIS_FOR_STAFF = ("Wijs de melder zo nodig op het Huis voor Klokkenluiders (huisvoorklokkenluiders.nl, "
                  "088 133 10 30): gratis en vertrouwelijk advies en onderzoek naar benadeling.")


def _open_task(session: Session, case: Case, *, kind: str, key: str, role: str, term: str | None,
               oral_report_id: int | None = None, follow_up_id: int | None = None) -> ContactTask | None:
    """Open a contact task once per ``key`` (a second worker finding the same term writes nothing)."""
    from engine.notifications import service as notifications

    if session.scalar(select(ContactTask.id).where(ContactTask.key == key)) is not None:
        return None
    _lock_case(session, case.id)
    from engine.records.service import is_destroyed

    if is_destroyed(session, case.id):  # destroyed while this waited on its row: nothing to open
        return None
    due = legal_terms.end_of_day_utc(legal_terms.legal_deadline(_today(), term)) if term else None
    task = ContactTask(case_id=case.id, kind=kind, key=key, role=role, state="open", created_at=now(), due_at=due,
                       oral_report_id=oral_report_id, follow_up_id=follow_up_id)
    try:
        with session.begin_nested():
            session.add(task)
            session.flush()
    except IntegrityError:
        return None
    audit.append(session=session, actor="system", action="contact_task.opened", case_id=case.id,
                 details={"taak": task.id, "soort": kind, "rol": role,
                          **({"termijn": legal_terms.local_date(due).isoformat()} if due else {})})
    from engine.records.service import recheck_case

    recheck_case(session, case.id)  # contact runs again: the case leaves a destruction list it waits on
    notifications.task_ready(session, task)
    return task


def escalate_unsigned(*, session: Session) -> int:
    """Open a task for the desk for every transcript whose term passed (engine clock) without the reporter's
    signature or corrections; once per term (a reminder restarts the term). Returns how many were opened."""
    opened = 0
    for report in session.scalars(select(OralReport).where(OralReport.status == "ter_controle",
                                                           OralReport.review_due < _today())
                                  .order_by(OralReport.review_due, OralReport.id)).all():
        case = session.get(Case, report.case_id)
        rule = rules_of(session, case).oral_report
        if rule is None:
            continue
        task = _open_task(session, case, kind=UNSIGNED, key=f"{UNSIGNED}:{report.id}:{report.review_due.isoformat()}",
                          role=rule.unsigned_role, term=rule.unsigned_task_term, oral_report_id=report.id)
        if task is not None:
            audit.append(session=session, actor="system", action="oral_report.term_passed", case_id=case.id,
                         details={"verslag": report.id, "termijn": report.review_due.isoformat(), "taak": task.id})
            opened += 1
    session.flush()
    return opened


def sweep(*, session: Session) -> int:
    """The timer worker's round for reporter contact: due check-ins, and transcripts whose term passed."""
    return send_due(session=session) + escalate_unsigned(session=session)


def sweep_in(database) -> int:
    """:func:`sweep` in a transaction of its own (the timer worker)."""
    with database.session() as session:
        return sweep(session=session)


def _open_report_tasks(session: Session, report: OralReport, kinds: set[str] | None = None) -> list[ContactTask]:
    q = select(ContactTask).where(ContactTask.oral_report_id == report.id, ContactTask.state == "open")
    if kinds is not None:
        q = q.where(ContactTask.kind.in_(sorted(kinds)))
    return list(session.scalars(q.order_by(ContactTask.id)))


def _cancel_tasks(session: Session, report: OralReport, actor: str, reason: str, *,
                  kinds: set[str] | None = None) -> None:
    """The reporter signed or corrected, or the desk offered a new version: an open task on the transcript (of
    ``kinds`` when given) is moot."""
    for task in _open_report_tasks(session, report, kinds):
        task.state, task.completed_at = "vervallen", now()
        audit.append(session=session, actor=actor, action="contact_task.cancelled", case_id=report.case_id,
                     details={"taak": task.id, "soort": task.kind, "reden": reason})


def _corrections_answered(session: Session, report: OralReport, user: User, version: int) -> None:
    """The desk offered a new version (``version``): the open corrections task is done, by who wrote it."""
    for task in _open_report_tasks(session, report, {CORRECTIONS}):
        task.state, task.outcome, task.motivation = "afgerond", "nieuwe_versie", None
        task.completed_at, task.completed_by_id = now(), user.id
        audit.append(session=session, actor=user.username, action="contact_task.completed", case_id=report.case_id,
                     details={"taak": task.id, "soort": task.kind, "uitkomst": "nieuwe_versie", "versie": version})


def may_see_task(*, session: Session, user: User, task: ContactTask) -> bool:
    """Who may read the task (it speaks of the reporter's transcript or answer): who may see that part of the case."""
    if task.kind in TRANSCRIPT_TASKS:
        return may_see_oral_reports(session=session, user=user, case_id=task.case_id)
    return may_see_follow_up(session=session, user=user, case=_case(session, task.case_id))


def why_not_act(*, session: Session, user: User, task: ContactTask) -> str | None:
    """Why ``user`` may not claim or complete ``task`` (None: they may): the task's role, a case they may see
    (never as its reporter, subject or the subject's manager), and for a transcript, who may write the reporter."""
    from engine.identity import access
    from engine.identity.roles import ROLES

    if not access.holds_any_role(session=session, user=user, roles={task.role}):  # live, as a work item's role
        return f"Deze taak is voor de rol {ROLES.get(task.role, task.role)}."
    if not access.can_see_case(session=session, user=user, case_id=task.case_id):
        return "U mag deze zaak niet behandelen."
    if task.kind in TRANSCRIPT_TASKS and not access.may_message_reporter(session=session, user=user,
                                                                         case_id=task.case_id):
        return ("Alleen wie de melder mag schrijven, legt een nieuwe versie van het verslag voor."
                if task.kind == CORRECTIONS else
                "Alleen wie de melder mag schrijven, herinnert de melder of legt vast dat niet is getekend.")
    return None


def term_passed(task: ContactTask) -> bool:
    """Whether ``task`` is open past its term (engine clock): the worklist marks it, the API says so and the
    notification sweep tells of it (``engine.notifications.service.scan_contact_deadlines``)."""
    return task.state == "open" and task.due_at is not None and task.due_at <= now()


def may_act(*, session: Session, user: User, task: ContactTask) -> bool:
    return why_not_act(session=session, user=user, task=task) is None


def get_task(*, session: Session, user: User, case_id: int, task_id: int) -> ContactTask:
    """The case's contact task for a reader who may see it (else :class:`NotFound`: not visible looks like absent)."""
    task = session.get(ContactTask, task_id)
    if task is None or task.case_id != case_id or not may_see_task(session=session, user=user, task=task):
        raise NotFound("Taak niet gevonden.")
    return task


def tasks_of_case(*, session: Session, user: User, case_id: int) -> list[ContactTask]:
    """The case's contact tasks (open and done) that ``user`` may see."""
    rows = session.scalars(select(ContactTask).where(ContactTask.case_id == case_id).order_by(ContactTask.id)).all()
    return [t for t in rows if may_see_task(session=session, user=user, task=t)]


def open_tasks(*, session: Session, user: User) -> list[tuple[ContactTask, Case]]:
    """The worklist's contact tasks: open, in one of the roles ``user`` holds now (``user_roles``, as the work items'
    pool: a role taken away in another server process ends them at once), unclaimed or claimed by ``user``, on
    cases they may act on."""
    from sqlalchemy import exists

    from engine.identity.models import UserRole

    roles = sorted(user.role_codes)
    if not roles or not user.active:
        return []
    held = exists().where(UserRole.user_id == user.id, UserRole.role == ContactTask.role)  # live, in the statement
    rows = session.scalars(select(ContactTask).where(
        ContactTask.state == "open", ContactTask.role.in_(roles), held,
        or_(ContactTask.assignee_id.is_(None), ContactTask.assignee_id == user.id))
        .order_by(ContactTask.due_at.asc().nulls_last(), ContactTask.created_at, ContactTask.id)).all()
    return [(t, session.get(Case, t.case_id)) for t in rows if may_act(session=session, user=user, task=t)]


def claimed_by(session: Session, *, user_id: int, roles: set[str] | None = None,
               case_ids: set[int] | None = None) -> list[ContactTask]:
    """The open contact tasks ``user_id`` has claimed (only of ``roles``, only in ``case_ids`` when given), in
    worklist order."""
    q = select(ContactTask).where(ContactTask.assignee_id == user_id, ContactTask.state == "open")
    if roles is not None:
        q = q.where(ContactTask.role.in_(sorted(roles)))
    if case_ids is not None:
        q = q.where(ContactTask.case_id.in_(sorted(case_ids)))
    return list(session.scalars(q.order_by(ContactTask.due_at.asc().nulls_last(), ContactTask.created_at,
                                           ContactTask.id)))


def to_pool(session: Session, task: ContactTask, *, actor: str, reason: str) -> None:
    """Hand a claimed contact task back to the pool of its role; its holders hear of it as when it opened."""
    from engine.notifications import service as notifications

    previous, task.assignee_id = task.assignee_id, None
    audit.append(session=session, actor=actor, action="contact_task.unclaimed", case_id=task.case_id,
                 details={"taak": task.id, "soort": task.kind, "was_toegewezen_aan": previous, "reden": reason})
    notifications.task_ready(session, task)


def to_person(session: Session, task: ContactTask, *, actor: str, person: User, reason: str) -> None:
    """Give a claimed contact task to ``person``, who must be allowed to act on it (:func:`why_not_act`)."""
    from engine.notifications import service as notifications

    previous, task.assignee_id = task.assignee_id, person.id
    audit.append(session=session, actor=actor, action="contact_task.assigned", case_id=task.case_id,
                 details={"taak": task.id, "soort": task.kind, "aan": person.username,
                          "was_toegewezen_aan": previous, "reden": reason})
    notifications.task_assigned(session, task, assignee_id=person.id)


def release_claims(*, session: Session, user: User, actor: str, reason: str,
                   roles: set[str] | None = None, case_ids: set[int] | None = None) -> list[ContactTask]:
    """Hand ``user``'s claimed open contact tasks (of ``roles`` when given) back to the pool of their role, each
    audited with ``reason``: a role taken away, an account blocked (``engine.worklist.service.release_claims``
    calls this, so a reporter's signal never stays with someone who can no longer act on it)."""
    released = claimed_by(session, user_id=user.id, roles=roles, case_ids=case_ids)
    for task in released:
        to_pool(session, task, actor=actor, reason=reason)
    session.flush()
    return released


def release_task(*, session: Session, user: User, case_id: int, task_id: int) -> ContactTask:
    """The assignee gives a claimed contact task back to the pool of its role (someone else picks it up)."""
    task = get_task(session=session, user=user, case_id=case_id, task_id=task_id)
    if task.state != "open":
        raise TaskNotReady("Deze taak is al afgerond of vervallen.")
    if task.assignee_id != user.id:
        raise NotAuthorized("Alleen wie de taak heeft opgepakt, kan haar teruggeven.")
    to_pool(session, task, actor=user.username, reason="teruggegeven door wie haar had opgepakt")
    session.flush()
    return task


def _actable(session: Session, user: User, case_id: int, task_id: int) -> ContactTask:
    task = get_task(session=session, user=user, case_id=case_id, task_id=task_id)
    if task.state != "open":
        raise TaskNotReady("Deze taak is al afgerond of vervallen.")
    why = why_not_act(session=session, user=user, task=task)
    if why:
        raise NotAuthorized(why)
    return task


def claim_task(*, session: Session, user: User, case_id: int, task_id: int) -> ContactTask:
    """Take an open contact task. Exclusive, like a work item: a conditional update, one of N claims wins."""
    task = _actable(session, user, case_id, task_id)
    if task.assignee_id not in (None, user.id):
        raise TaskTaken("Deze taak is al door een andere medewerker opgepakt.")
    won = session.execute(update(ContactTask).where(
        ContactTask.id == task.id, ContactTask.state == "open",
        or_(ContactTask.assignee_id.is_(None), ContactTask.assignee_id == user.id))
        .values(assignee_id=user.id).execution_options(synchronize_session=False)).rowcount
    if won != 1:
        raise TaskTaken("Deze taak is net door een andere medewerker opgepakt of afgerond.")
    session.refresh(task)
    audit.append(session=session, actor=user.username, action="contact_task.claimed", case_id=case_id,
                 details={"taak": task.id, "soort": task.kind})
    return task


def complete_task(*, session: Session, user: User, case_id: int, task_id: int, outcome: str | None,
                  motivation: str | None) -> ContactTask:
    """Complete a claimed contact task with an outcome and a motivation, and do what the outcome says: remind the
    reporter through the inbox (the term starts again) or record the transcript as not signed; close the signal.
    A corrections task is refused here: only the new version itself (:func:`revise`) completes it."""
    task = _actable(session, user, case_id, task_id)
    if task.kind == CORRECTIONS:  # done by the new version itself (revise), never by saying it was made
        raise TaskNotReady(CORRECTIONS_DONE_BY_REVISING)
    if task.assignee_id != user.id:
        raise NotAuthorized("Pak de taak eerst op; daarna rondt u haar af.")
    choices = OUTCOMES[task.kind]
    errors = []
    if outcome not in choices:
        errors.append(FieldError("uitkomst", "‘Uitkomst’: kies " + " of ".join(
            f"‘{label}’" for label, _ in choices.values()) + "."))
    text = (motivation or "").strip()
    if outcome in choices and choices[outcome][1] and not text:
        errors.append(FieldError("motivering", "‘Motivering’ is leeg; schrijf waarom u tot deze uitkomst komt."))
    if len(text) > MAX_MOTIVATION:
        errors.append(FieldError("motivering", f"‘Motivering’ mag hoogstens {MAX_MOTIVATION:,} tekens bevatten; u "
                                               f"gebruikte er {len(text):,}.".replace(",", ".")))
    if errors:
        raise _invalid(*errors)
    case = _case(session, case_id)
    details: dict = {"taak": task.id, "soort": task.kind, "uitkomst": outcome}
    if task.kind == UNSIGNED:
        report = session.get(OralReport, task.oral_report_id)
        rule = rules_of(session, case).oral_report
        if report is None or report.status != "ter_controle" or rule is None:
            raise TaskNotReady("Het verslag wacht niet meer op de melder; deze taak is vervallen.")
        if outcome == "herinnerd":
            if not has_inbox(session, case.id):
                raise NotAuthorized("De melder heeft geen ‘Mijn melding’ meer; leg vast dat niet is getekend.")
            report.review_due = legal_terms.legal_deadline(_today(), rule.review_term)
            channel = rule.channels.get(report.channel, report.channel).lower()
            _to_reporter(session, case, (
                f"Herinnering: het verslag van uw mondelinge melding ({channel}, {_dutch(report.held_on)}) wacht nog "
                f"op uw controle. Onderteken het onder ‘Verslag van uw mondelinge melding’, of stuur ons uw correcties, "
                f"uiterlijk op {_dutch(report.review_due)}."), user)
            audit.append(session=session, actor=user.username, action="oral_report.reminded", case_id=case.id,
                         details={"verslag": report.id, "termijn": report.review_due.isoformat()})
            details["termijn"] = report.review_due.isoformat()
        else:
            report.status = "niet_ondertekend"
            _to_reporter(session, case, "Wij hebben het verslag van uw mondelinge melding vastgelegd als niet door u "
                                        "ondertekend. Wilt u nog iets aanvullen of corrigeren? Stuur ons dan een "
                                        "bericht.", user)
            audit.append(session=session, actor=user.username, action="oral_report.not_signed", case_id=case.id,
                         details={"verslag": report.id})
    else:
        row = session.get(FollowUp, task.follow_up_id)
        if row is not None:
            row.signal, row.signal_handled_by_id, row.signal_handled_at = "afgehandeld", user.id, now()
    task.state, task.outcome, task.motivation = "afgerond", outcome, text or None
    task.completed_at, task.completed_by_id = now(), user.id
    session.flush()
    audit.append(session=session, actor=user.username, action="contact_task.completed", case_id=case.id,
                 details=details)
    return task


def outcome_label(task: ContactTask) -> str:
    return OUTCOMES.get(task.kind, {}).get(task.outcome or "", ("", False))[0]
