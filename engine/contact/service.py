"""Oral reports and follow-up after closure (issue 23; EU 2019/1937 art. 9(2), art. 18, art. 19-21).

One door for the web pages (and any later API): who may do what is decided here.

* **Meeting request** — the reporter (public form or "Mijn melding") asks for a meeting in person or by phone;
  the desk sees it on the case page.
* **Oral report** — the desk (``access.may_message_reporter``: the desk or coordinator who may see the reporter's
  identity) registers a report made by phone or in a meeting, with its date, channel and transcript. The transcript
  goes to the reporter's inbox ("Mijn melding", also for an anonymous reporter) to check, correct and sign within
  the term the manifest declares (``reporter_contact.oral_report.review_term``, a legal term under the Algemene
  termijnenwet). The reporter signs or sends corrections; the desk answers corrections with a new version. Every
  version is kept; only the reporter signs, and :func:`signed_transcript` refuses an unsigned report.
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

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.cases.models import Case
from engine.clock import now
from engine.contact.models import FollowUp, MeetingRequest, OralReport, TranscriptVersion
from engine.contact.rules import ReporterContact
from engine.errors import DomainError, FieldError, InvalidData, NotAuthorized, NotFound
from engine.identity.models import ReceiptCode, User
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


def has_inbox(session: Session, case_id: int) -> bool:
    """Whether the reporter has "Mijn melding": a receipt code of the case that is not revoked."""
    return session.scalar(select(ReceiptCode.id).where(ReceiptCode.case_id == case_id,
                                                       ReceiptCode.revoked_at.is_(None)).limit(1)) is not None


def _case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("Zaak niet gevonden.")
    return case


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
    case = _case(session, case_id)
    if rules_of(session, case).oral_report is None:
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


def meeting_requests(*, session: Session, case_id: int) -> list[MeetingRequest]:
    return list(session.scalars(select(MeetingRequest).where(MeetingRequest.case_id == case_id)
                                .order_by(MeetingRequest.id)))


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
    """The desk records an oral report (by phone or in a meeting) and offers its transcript to the reporter."""
    _may_register(session, user, case_id)
    case = _case(session, case_id)
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
    """The desk answers corrections with a new version of the transcript; the term starts again."""
    _may_register(session, user, case_id)
    case = _case(session, case_id)
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
    audit.append(session=session, actor=user.username, action="oral_report.revised", case_id=case.id,
                 details={"verslag": report.id, "versie": number, "termijn": report.review_due.isoformat()})
    return version


def sign(*, session: Session, case_id: int, oral_report_id: int, version: int, agreed: bool) -> OralReport:
    """The reporter signs the version they read (only from the reporter's own channel: the caller proved the
    receipt-code session). The latest version of the desk, while it waits for the reporter, and nothing else."""
    report = _report_of(session, case_id, oral_report_id)
    if report.status == "ondertekend":
        raise NotAuthorized("U heeft dit verslag al ondertekend.")
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
    audit.append(session=session, actor="melder", action="oral_report.signed", case_id=case_id,
                 details={"verslag": report.id, "versie": latest.number,
                          "tijdig": _today() <= report.review_due})
    from engine.notifications import service as notifications

    notifications.reporter_message(session, case_id=case_id)
    return report


def correct(*, session: Session, case_id: int, oral_report_id: int, text: str | None) -> TranscriptVersion:
    """The reporter sends corrections; kept as a version of its own for the desk to work in."""
    report = _report_of(session, case_id, oral_report_id)
    if report.status == "ondertekend":
        raise NotAuthorized("U heeft dit verslag al ondertekend; stuur een bericht als u iets wilt aanvullen.")
    body = _text(text, "correcties", "Uw correcties", MAX_TRANSCRIPT)
    number = len(versions(session=session, oral_report_id=report.id)) + 1
    version = TranscriptVersion(oral_report_id=report.id, number=number, kind="correctie", author_id=None,
                                body=body, created_at=now())
    session.add(version)
    report.status = "correctie_ontvangen"
    session.flush()
    audit.append(session=session, actor="melder", action="oral_report.corrected", case_id=case_id,
                 details={"verslag": report.id, "versie": number})
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
          "ondertekend": "Ondertekend door de melder"}


def oral_reports(*, session: Session, case_id: int) -> list[OralReportView]:
    """The case's oral reports with every version (callers decided the viewer may see them)."""
    case = _case(session, case_id)
    rule = rules_of(session, case).oral_report
    channels = rule.channels if rule else {}
    found = []
    for report in session.scalars(select(OralReport).where(OralReport.case_id == case_id).order_by(OralReport.id)):
        rows = versions(session=session, oral_report_id=report.id)
        found.append(OralReportView(report, channels.get(report.channel, report.channel), rows,
                                    [v for v in rows if v.kind == "verslag"][-1], STATUS.get(report.status, ""),
                                    report.status != "ondertekend" and _today() > report.review_due))
    return found


def review_deadlines(*, session: Session, case_id: int) -> list[tuple[str, datetime]]:
    """(name, moment) of the running terms to sign a transcript (the case page's deadlines)."""
    case = _case(session, case_id)
    rule = rules_of(session, case).oral_report
    return [(f"Verslag mondelinge melding: {rule.name if rule else 'ondertekening'}",
             legal_terms.end_of_day_utc(r.review_due))
            for r in session.scalars(select(OralReport).where(OralReport.case_id == case_id,
                                                              OralReport.status != "ondertekend"))]


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
    """Send every planned check-in whose moment passed on the engine clock; returns how many were handled."""
    handled = 0
    for row in session.scalars(select(FollowUp).where(FollowUp.state == "gepland", FollowUp.due_at <= now())
                               .order_by(FollowUp.due_at, FollowUp.id)).all():
        case = session.get(Case, row.case_id)
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
        rule = rules_of(session, _case(session, case_id)).follow_up
        row.signal, row.signal_role = "open", rule.signal_role if rule else "integriteitscoordinator"
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


def follow_ups(*, session: Session, case_id: int) -> list[FollowUp]:
    return list(session.scalars(select(FollowUp).where(FollowUp.case_id == case_id)
                                .order_by(FollowUp.due_at, FollowUp.id)))


def reporter_signals_retaliation(*, session: Session, case_id: int) -> bool:
    return session.scalar(select(FollowUp.id).where(FollowUp.case_id == case_id, FollowUp.answer == "ja")
                          .limit(1)) is not None


def may_see_oral_reports(*, session: Session, user: User, case_id: int) -> bool:
    """Oral reports and meeting requests carry the reporter's words: who may write the reporter."""
    from engine.identity import access

    return access.may_message_reporter(session=session, user=user, case_id=case_id)


def may_see_follow_up(*, session: Session, user: User, case: Case) -> bool:
    """The follow-up (answers may identify the reporter): who may write the reporter, and the signal role."""
    from engine.identity import access

    rule = rules_of(session, case).follow_up
    return may_see_oral_reports(session=session, user=user, case_id=case.id) or bool(
        rule and rule.signal_role in user.role_codes and access.can_see_case(session=session, user=user,
                                                                            case_id=case.id))


def may_handle_signals(*, session: Session, user: User, case: Case) -> bool:
    rule = rules_of(session, case).follow_up
    return bool(rule and rule.signal_role in user.role_codes)


def _may_handle_signal(session: Session, user: User, row: FollowUp) -> bool:
    from engine.identity import access

    return bool(row.signal_role) and row.signal_role in user.role_codes and access.can_see_case(
        session=session, user=user, case_id=row.case_id)


def open_signals(*, session: Session, user: User) -> list[tuple[FollowUp, Case]]:
    """The coordinator's tasks: answers that signal retaliation, on cases this user may see."""
    rows = session.scalars(select(FollowUp).where(FollowUp.signal == "open").order_by(FollowUp.answered_at))
    return [(row, session.get(Case, row.case_id)) for row in rows if _may_handle_signal(session, user, row)]


def handle_signal(*, session: Session, user: User, case_id: int, follow_up_id: int) -> FollowUp:
    """The coordinator marks the signal as followed up (what was done goes in a note or a message)."""
    row = session.get(FollowUp, follow_up_id)
    if row is None or row.case_id != case_id or row.signal is None:
        raise NotFound("Signaal niet gevonden.")
    if not _may_handle_signal(session, user, row):
        raise NotAuthorized("Alleen de integriteitscoördinator volgt een signaal van benadeling op.")
    if row.signal != "open":
        raise NotAuthorized("Dit signaal is al afgehandeld.")
    row.signal, row.signal_handled_by_id, row.signal_handled_at = "afgehandeld", user.id, now()
    session.flush()
    audit.append(session=session, actor=user.username, action="follow_up.signal_handled", case_id=case_id,
                 details={"nazorg": row.id})
    return row
