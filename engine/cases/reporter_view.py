"""The reporter's view of their own case: one function for the API (``/melder/melding``,
``/mijn-meldingen/{id}``) and the web inbox (``/mijn-melding``), so both show the same.

For an anonymous reporter the inbox is the only channel: the acknowledgement, the feedback and the
"gegrond?" notice are delivered by being listed here (``engine.cases.letters.reporter_letters``, the one
access function for the reporter's letters). The caller has authenticated the reporter of ``case_id``
(receipt-code session, or the known reporter logged in).

Deadlines come from the process, never from element ids: every open task that produces a letter to the
reporter (BPMN property ``letter_recipient``) and has a due date is a promise to the reporter; its
``legal_milestone`` names what they will get. A legal term that runs for the reporter (a deadline the manifest
declares in ``legal_rules.deadlines`` on a milestone that some task fulfils with a letter to the reporter) is a
promise from the moment its timer is armed, whichever task it watches: the 7-day acknowledgement term runs from
receipt, while the report still waits to be registered (EU directive 2019/1937 art. 9).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases import letters as case_letters
from engine.cases.models import Case
from engine.errors import NotFound, WorkflowFailure
from engine.identity import access

# What the reporter gets at a legal milestone, in plain Dutch ("U krijgt uiterlijk … <this>").
MILESTONE_PROMISES = {
    "ontvangstbevestiging": "een bevestiging dat uw melding is ontvangen",
    "terugkoppeling": "terugkoppeling over wat er met uw melding is gedaan",
    "gegrondheid": "bericht of uw melding gegrond is",
}
DEFAULT_PROMISE = "bericht van het meldpunt"

STATUS_TEXTS = {
    "ontvangen": "Uw melding is ontvangen. Het meldpunt registreert en bevestigt haar.",
    "in_behandeling": "Uw melding is in behandeling.",
    "teruggekoppeld": "Uw melding is in behandeling. U heeft terugkoppeling gekregen over wat er met uw melding "
                      "is gedaan.",
    "afgesloten": "De behandeling van uw melding is afgesloten.",
}


@dataclass(frozen=True)
class ReporterDeadline:
    due_at: datetime
    what: str

    @property
    def last_day(self) -> date:
        """The last day of the term: a due moment is 00:00 (Amsterdam) after the term's last day."""
        from engine.legal_terms import local_date

        return local_date(self.due_at - timedelta(seconds=1))

    @property
    def text(self) -> str:
        from engine.functions import dutch_date

        return f"U krijgt uiterlijk {dutch_date(self.last_day)} {self.what}."


@dataclass
class ReporterView:
    reference: str
    status: str  # in_behandeling | afgesloten (the API's coarse status)
    phase: str  # ontvangen | in_behandeling | teruggekoppeld | afgesloten
    status_text: str
    received_at: datetime
    acknowledged_on: str | None
    feedback: str | None
    unread_messages: int
    letters: list = field(default_factory=list)
    letters_waiting: list = field(default_factory=list)  # asked for, not yet made: "wordt aangemaakt"
    deadlines: list[ReporterDeadline] = field(default_factory=list)


def general_terms(text: str | None, data: dict) -> str | None:
    """Feedback as written for the reporter, with the subject's name and the measure kept out."""
    if not text:
        return None
    name = data.get("betrokkene_naam")
    if isinstance(name, str) and len(name) > 2:
        text = text.replace(name, "[betrokkene]")
    for label in data.get("afdoeningen") or []:
        if isinstance(label, str) and len(label) > 3:
            text = text.replace(label, "[maatregel]")
    return text


def _element_properties(parsed, element_id: str) -> dict:
    """The extension properties of a BPMN element (e.g. a boundary timer) in the version's specs."""
    meta = parsed.tasks.get(element_id)
    if meta is not None:
        return meta.properties
    for spec in (parsed.spec, *parsed.subprocess_specs.values()):
        for task_spec in spec.task_specs.values():
            if getattr(task_spec, "bpmn_id", None) == element_id:
                return dict(getattr(task_spec, "extensions", {}).get("properties", {}))
    return {}


def _reporter_milestones(parsed) -> frozenset[str]:
    """The legal terms that run for the reporter: the milestones of the tasks that write to the reporter, among
    the deadlines the version's manifest declares (all of them for a version without legal rules)."""
    from engine.processes.legal_rules import milestones_of

    to_reporter: set[str] = set()
    for meta in parsed.tasks.values():
        if meta.letter_recipient in access.IDENTITY_RECIPIENTS:
            to_reporter |= milestones_of(meta.properties)
    rules = parsed.manifest.legal_rules
    if rules is None:
        return frozenset(to_reporter)
    return frozenset(to_reporter & {d.milestone for d in rules.deadlines})


def _deadlines(session: Session, case: Case) -> list[ReporterDeadline]:
    from engine.processes import service as processes
    from engine.processes.legal_rules import milestones_of
    from engine.timers.models import Timer
    from engine.worklist.models import WorkItem

    if case.process_version_id is None or case.status == "closed":
        return []
    parsed = processes.parsed_version(session=session, version_id=case.process_version_id)
    items = session.scalars(select(WorkItem).where(WorkItem.case_id == case.id, WorkItem.state == "open",
                                                   WorkItem.due_at.is_not(None)).order_by(WorkItem.due_at))
    for_reporter = _reporter_milestones(parsed)
    out = []
    for item in items:
        meta = parsed.tasks.get(item.element_id)
        if meta is None:
            continue
        writes_to_reporter = meta.letter_recipient in access.IDENTITY_RECIPIENTS
        # Another task (e.g. the registration) may watch a term that runs for the reporter: only those terms.
        wanted = MILESTONE_PROMISES.keys() if writes_to_reporter else for_reporter
        # A task may watch several legal terms, one boundary timer each; every timer names the term it
        # enforces (``legal_milestone``), so each promise gets its own date.
        timers = session.scalars(select(Timer).where(Timer.case_id == case.id, Timer.attached_to == item.task_id,
                                                     Timer.state == "pending").order_by(Timer.fire_at))
        per_timer = []
        for timer in timers:
            names = milestones_of(_element_properties(parsed, timer.element_id))
            per_timer += [ReporterDeadline(due_at=timer.fire_at, what=MILESTONE_PROMISES.get(m, DEFAULT_PROMISE))
                          for m in sorted(names) if m in wanted]
        if per_timer:
            out += per_timer
            continue
        own = milestones_of(meta.properties)
        if not writes_to_reporter and not own & for_reporter:
            continue
        promised = [MILESTONE_PROMISES[m] for m in MILESTONE_PROMISES if m in own and m in wanted]
        out.append(ReporterDeadline(due_at=item.due_at, what=promised[0] if promised else DEFAULT_PROMISE))
    unique = {(d.due_at, d.what): d for d in out}  # two open tasks watching the same term: one promise
    return sorted(unique.values(), key=lambda d: (d.due_at, d.what))


def reporter_view(*, session: Session, case_id: int) -> ReporterView:
    """Status in plain Dutch, the letters addressed to the reporter and the deadlines that concern them."""
    from engine.cases import service as cases
    from engine.intake import service as intake

    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("Melding niet gevonden.")
    summary = case.summary or {}
    data: dict = {}
    if case.state is not None and case.process_version_id is not None:
        try:
            data = cases.case_data(session=session, case_id=case.id)
        except WorkflowFailure:
            data = {}
    unread = sum(1 for m in intake.messages(session=session, case_id=case_id)
                 if m.direction == "naar_melder" and m.read_at is None)
    ack = summary.get("ontvangstbevestigd_op") or data.get("ontvangstbevestigd_op")
    feedback = general_terms(data.get("terugkoppeling_tekst"), data)
    phase = ("afgesloten" if case.status == "closed" else "teruggekoppeld" if feedback
             else "in_behandeling" if ack else "ontvangen")
    return ReporterView(reference=case.reference, status="afgesloten" if case.status == "closed" else "in_behandeling",
                        phase=phase, status_text=STATUS_TEXTS[phase], received_at=case.created_at,
                        acknowledged_on=str(ack) if ack else None, feedback=feedback, unread_messages=unread,
                        letters=case_letters.reporter_letters(session=session, case_id=case_id),
                        letters_waiting=case_letters.reporter_waiting(session=session, case_id=case_id),
                        deadlines=_deadlines(session, case))
