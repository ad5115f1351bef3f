"""The legal rules of the manifest (``legal_rules``), checked inside every step's transaction.

``check_step`` runs from the case service's ``_persist``, the one place every start, task completion and
timer passes, after SpiffWorkflow advanced the case in memory and before anything is written. A violation
raises ``LegalRuleViolation`` (HTTP 422 via the domain-error mapping); the caller rolls the transaction back,
so nothing of the step remains. The rules are data (engine/processes/legal_rules.py); which task is the
voornemen or the zienswijze comes from the BPMN property ``legal_milestone``, never from an element id.

Rules:

* **hoorplicht** — a penalty (``measures.penalties``) in the measures field needs a completed voornemen and,
  after it, a completed zienswijze step;
* **besluit binnen voornemen** — every penalty is in the voornemen that was heard, or (``lighter_allowed``)
  replaces, one for one, a heavier penalty of the voornemen that the decision drops (a lighter penalty on top of
  the intended ones is more than was heard);
* **zienswijzetermijn** — a zienswijze step completes without an answer only after its term ended, or when the
  subject waived it in writing (flag and date of the waiver recorded);
* **vaste datums** — a date fixed at intake is only corrected earlier, with a reason given in the same step,
  and the correction is audited.

* **verslag ter correctie** (``minutes_review``) — the task with the report milestone completes only when every
  person heard (each item of the heard field) answered on a review task, or the term to check, correct and sign
  the minutes, recorded for that person, has run.

* **schriftelijk meedelen** (``written_notices``) — a step that completes a task carrying a declared milestone
  (not a timer watching its term) puts that task's letter to the declared recipient in the outbox, in the same
  transaction (``check_written_notices``, run from ``_persist`` right after the letters are checked and queued:
  it reads what that step queued). Deployment proves every such task declares the letter; this catches a version
  stored without that proof. The voornemen's letter goes out only with an intended penalty in the intention
  field (``hearing.voornemen.measures_field``): an empty list renders "de volgende maatregel: ." and would have
  the subject heard on nothing (deployment proves the template shows the field).

* **hoor en wederhoor** — the task with the report milestone (``minutes_review``) completes only after the
  subject was heard: a task with the milestone ``hoorverslag`` (the subject's reaction to the minutes of the hearing)
  was completed in the case, or the term's timer on it ran. Deployment proves every path passes it
  (``subject_hearing_issues``); this catches a version stored without that proof. A version whose manifest declares
  no ``hoorverslag`` deadline (stored before the subject's minutes had a term) names no such task and is not held.

* **kennisgeving en onderzoeksopdracht** (``investigation``: DOMAIN §1.2–1.3) — the subject's hearing (a task with
  the ``hearing_milestone``, or ``hoorverslag``) completes only after a task with the ``notice_milestone`` (the
  written notice to the subject) was completed in the case (reden ``betrokkene-niet-ingelicht``); an investigating
  task (``separated_duties``, unless it carries the ``preliminary_milestone``: the vooronderzoek; or a task with a
  milestone of the formal investigation) only after a task with the ``assignment_milestone``, the competent
  authority's assignment (reden ``geen-onderzoeksopdracht``). Deployment proves every path passes them
  (``investigation_issues``); this catches a version stored without that proof. A version whose manifest declares no
  ``investigation`` (stored before these milestones existed) names no such tasks and is not held: its cases keep the
  route they were started on; every version deployed since must declare it.

* **functiescheiding** (``separation``: DOMAIN §2) — whoever investigated a case (completed a task that
  investigates, or is bound to an investigator's slot) does not advise on the sanction or decide on the subject in
  it; whoever advised does not investigate or decide; whoever decides acted in no other role on the case. What a
  task does is read from the process files of the case's version (``engine.processes.legal_rules.separated_duties``:
  milestones, lanes, slots, forms), whatever its slots: the slots of ``engine.cases.duties`` keep people apart
  only where the deployment proof made every investigating task exclusive, which a version stored before that
  proof need not be. A version stored without ``legal_rules`` that handles integrity cases (check and deploy now
  refuse one: ``engine.processes.legal_rules.integrity_case_issues``) is held to this rule alone, with the product's
  own milestone names (``BUILT_IN_SEPARATION``): it refuses a person, never a step the version lacks. The other rules
  name tasks and fields such a version need not have (holding it to them could strand its running cases): not held.

A task with the registration milestone (recording the outcome for the annual report, terminal and without a
letter: proven at deployment) is not held to the first two rules: it imposes nothing.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins import (BoundaryEventMixin, EndEventMixin, EventBasedGatewayMixin,
                                             ExclusiveGatewayMixin, IntermediateCatchEventMixin,
                                             IntermediateThrowEventMixin, StartEventMixin, SubWorkflowTaskMixin)
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin

from engine.cases import reasons
from engine.audit import service as audit
from engine.errors import DomainError
from engine.functions import today
from engine.legal_terms import end_of_day_utc, legal_deadline, local_date
from engine.processes.legal_rules import (ARMED, ASSIGNMENT_RULE, HOORVERSLAG, INVESTIGATES, MAXIMUM, NOTICE_RULE,
                                         SUBJECT_HEARD_RULE, LegalRules, TermStart, effective_term,
                                         formal_milestones, milestones_of, term_starts, written_notice_problem)

# Specs that move or merge data but do no work of their own: never the author of a value.
_NOT_AUTHORS = (SubWorkflowTaskMixin, ExclusiveGatewayMixin, UnstructuredJoin, EventBasedGatewayMixin,
                StartEventMixin, EndEventMixin, BoundaryEventMixin, IntermediateCatchEventMixin,
                IntermediateThrowEventMixin)


class LegalRuleViolation(DomainError):
    """The step would break a legal rule the process owner declared; nothing was saved."""

    code = "legal-rule"
    title = "In strijd met een wettelijke regel"
    status = 422


_ONE_DAY = date(2000, 1, 2) - date(2000, 1, 1)


def _properties(task) -> dict[str, str]:
    return getattr(task.task_spec, "extensions", {}).get("properties", {}) or {}


def _is_author(task) -> bool:
    spec = task.task_spec
    return getattr(spec, "bpmn_id", None) is not None and not isinstance(spec, _NOT_AUTHORS)


def _as_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        return None


def _dutch(value: date) -> str:
    months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
              "oktober", "november", "december"]
    return f"{value.day} {months[value.month - 1]} {value.year}"


def check_step(step) -> None:
    """Check the rules over what this step did (``step``: the case service's ``_Step``)."""
    rules: LegalRules | None = step.parsed.manifest.legal_rules
    _check_separation(step)  # also a version stored without legal_rules: the built-in separation (BUILT_IN_SEPARATION)
    if rules is None:
        return
    completed = step.tasks().completed
    newly = sorted((t for t in completed if str(t.id) not in step.completed_before),
                   key=lambda t: t.last_state_change)
    for task in newly:
        milestones = milestones_of(_properties(task))
        if rules.zienswijze_milestone in milestones:
            _check_hearing_term(rules, task, _recorded_in_form(step, task),
                                statutory_end=_statutory_hearing_end(step, rules, completed))
        if rules.minutes_review and rules.minutes_review.report_milestone in milestones:
            _check_minutes_reviewed(rules.minutes_review, task, completed)
            _check_subject_heard(rules, task, completed)
        if rules.investigation is not None:
            _check_investigation(step, rules, task, milestones, completed)
        if not _is_author(task):
            continue
        _check_fixed_dates(step, rules, task)
        exempt = rules.registration_milestone in milestones and not _properties(task).get("letter")
        penalties = rules.penalties_in(task.data.get(rules.measures_field))
        if penalties and not exempt:
            _check_penalties(rules, completed, penalties)
    _check_armed_deadlines(step, rules)


def _check_separation(step) -> None:
    """``functiescheiding``: the person completing this step's user task may do it under the separation of duties
    (``engine.cases.duties.separation_refusal``, the one rule the claim, the assignment and the automatic draw apply
    too): no part in the case with another duty (investigating, advising on the sanction, deciding), and no work in
    it in another role where the task or the earlier work decides. Their earlier part in the case was read with
    their other facts before the step (``duties.ensure_can_act``), else here."""
    from engine.cases import duties

    item = step.completed_item
    if step.parsed.separation is None or item is None or step.actor_id is None:
        return
    earlier = step.actor_earlier
    if earlier is None:
        earlier = [e for e in duties.person_facts(step.session, step.case.id, step.actor_id).earlier
                   if e.id != item.id]
    refusal = duties.separation_refusal(step.parsed, target=duties.Target.of(item), earlier=earlier)
    if refusal is not None:
        raise LegalRuleViolation(f"{refusal.text()}; er is niets opgeslagen.", reason="functiescheiding")


def check_written_notices(step, letters) -> None:
    """``written_notices``: every task this step completed that carries a declared milestone has its letter to the
    declared recipient among ``letters`` (the outbox rows the step's ``_render_letters`` wrote, not yet flushed);
    otherwise ``LegalRuleViolation`` and the step rolls back."""
    rules: LegalRules | None = step.parsed.manifest.legal_rules
    if rules is None or not rules.written_notices:
        return
    declared = {n.milestone: n for n in rules.written_notices}
    newly = step.tasks().completed_ids() - step.completed_before
    tasks = [step.wf.get_task_from_id(uuid.UUID(task_id)) for task_id in sorted(newly)]
    if step.completed_task is not None and str(step.completed_task.id) not in newly:
        tasks.append(step.completed_task)  # a round of a looped subprocess replaced in the same step
    catalogue = None
    for task in tasks:
        if isinstance(task.task_spec, (BoundaryEventMixin, IntermediateCatchEventMixin)):
            continue  # a timer watching the milestone's term sends nothing
        for milestone in sorted(milestones_of(_properties(task)) & set(declared)):
            notice = declared[milestone]
            name = task.task_spec.bpmn_name or task.task_spec.bpmn_id or task.task_spec.name
            made = [job for job in letters if job.task_id == str(task.id)]
            if not made:
                raise LegalRuleViolation(f"{notice.rule}: de taak '{name}' wordt afgerond zonder brief aan "
                                         f"'{notice.recipient}'; er is niets opgeslagen.")
            if catalogue is None:
                from documents.catalog import catalogue_or_default  # the letters' own declaration

                catalogue = catalogue_or_default(step.parsed.letter_catalogue).letters
            problems = [written_notice_problem(notice, job.template, job.recipient, catalogue) for job in made]
            if all(problems):
                raise LegalRuleViolation(f"{notice.rule}: de taak '{name}' {problems[0]}; er is niets opgeslagen.")
            if milestone == rules.voornemen_milestone and _blank_intention(task.data.get(rules.intention_field)):
                # the letter would tell the subject no penalty, and he would be 'heard' on none
                raise LegalRuleViolation(
                    f"{rules.hearing_rule}: de taak '{name}' verstuurt het voornemen zonder voorgenomen straf (het "
                    f"veld '{rules.intention_field}' is leeg); de brief moet de betrokkene de straf noemen waarop hij "
                    f"wordt gehoord. Er is niets opgeslagen.", reason="voornemen-zonder-straf")


def _blank_intention(value) -> bool:
    """No intended penalty to show: nothing, a blank text, or a list without a non-blank text."""
    items = value if isinstance(value, (list, tuple)) else [value]
    return not any(isinstance(item, str) and item.strip() for item in items)


def _check_armed_deadlines(step, rules: LegalRules) -> None:
    """A timer this step arms on a task with a legal deadline (its milestone) is due no later (a maximum: what the
    organisation must do) or no earlier (a minimum: time a person is given) than the term allows, counted from
    the term's start (``from``/``after``; else today). The process check refuses a literal term that is looser
    than declared; this catches a term the process computes from a case value or a setting."""
    if not rules.deadlines:
        return
    declared = {d.milestone: d for d in rules.deadlines}
    seen = set(step.timers_seen) if step.timers_seen is not None else (step.armed_before or set())
    for waiting in step.tasks().timers():
        if waiting.task_id in seen or not waiting.attached_to:
            continue
        timer = step.wf.get_task_from_id(uuid.UUID(waiting.task_id))
        host = step.wf.get_task_from_id(uuid.UUID(waiting.attached_to))
        on_task = milestones_of(_properties(host)) & set(declared)
        named = milestones_of(_properties(timer))
        for milestone in sorted(on_task):
            if not (milestone in named or (len(on_task) == 1 and not named)):
                continue
            deadline = declared[milestone]
            found = effective_term(deadline, milestone, rules)
            if found is None:
                continue
            term, bound, start_field, after = found
            floor = rules.floor_for(milestone)
            if bound == MAXIMUM and floor is not None and floor.interim and _earlier_round(step, host):
                continue  # a later round after an interim message: the date promised there (practice, not law)
            # The term holds from every start the engine counts it from (engine.processes.legal_rules.term_starts,
            # the rule the deployment check applies to the timer's start= as well): a maximum from its declared
            # start; a minimum also from today, the day the step that arms the timer gives the person the term (a
            # start date typed in the past would shorten it: a voornemen dated ten days back left four days).
            ends = [(start, _end_from(rules, declared, milestone, term, start, host.data, set()))
                    for start in term_starts(bound, start_field, after)]
            if any(end is None for _start, end in ends):
                continue
            allowed = max(end for _start, end in ends)
            backdated = ""
            if bound != MAXIMUM and len(ends) > 1 and dict(ends)[ARMED] > min(end for _start, end in ends):
                backdated = (" De termijn telt niet vanaf een datum in het verleden: de betrokkene krijgt hem pas "
                             "vandaag.")
            due = waiting.fire_at
            if bound == MAXIMUM and due > end_of_day_utc(allowed):
                raise LegalRuleViolation(
                    f"Wettelijke termijn '{deadline.name}' ({deadline.source}): de timer van deze taak loopt af na "
                    f"{_dutch(local_date(due) - _ONE_DAY)}, maar de organisatie moet uiterlijk op {_dutch(allowed)} "
                    f"handelen (termijn {term}).", reason="termijn-te-lang")
            if bound != MAXIMUM and due < end_of_day_utc(allowed):
                raise LegalRuleViolation(
                    f"Wettelijke termijn '{deadline.name}' ({deadline.source}): de timer van deze taak loopt af na "
                    f"{_dutch(local_date(due) - _ONE_DAY)}, maar de betrokkene heeft tot en met {_dutch(allowed)} "
                    f"(termijn {term}).{backdated}", reason="termijn-te-kort")


def _earlier_round(step, host) -> bool:
    """Whether a round of ``host``'s task was done before in this case, or is done by this step (a loop that goes on
    after the person was told the answer is not yet known): a completed work item of the same task."""
    name = host.task_spec.name
    for task_id in step.tasks().completed_ids() - step.completed_before:
        try:
            if step.wf.get_task_from_id(uuid.UUID(task_id)).task_spec.name == name:
                return True
        except Exception:  # noqa: BLE001  (a finished round's subprocess may be gone from the tree)
            continue
    return bool(step.session.scalar(_earlier_round_statement(), {"case_id": step.case.id, "name": name}))


@lru_cache(maxsize=None)
def _earlier_round_statement():
    """A completed work item of the task ``name`` in the case ``case_id`` exists (built once, issue 25)."""
    from sqlalchemy import bindparam, exists, select

    from engine.worklist.models import WorkItem

    return select(exists().where(WorkItem.case_id == bindparam("case_id"), WorkItem.element_id == bindparam("name"),
                                 WorkItem.state == "completed"))


def _allowed_end(rules: LegalRules, declared: dict, milestone: str, data: dict, visiting: set[str]) -> date | None:
    """The last day of the term of ``milestone`` as the engine holds it (manifest term, never looser than the
    statutory floor), from its declared start: a case date, the end of another deadline, or today."""
    found = effective_term(declared.get(milestone), milestone, rules)
    if found is None or milestone in visiting:
        return None
    term, _bound, start_field, after = found
    return _end_from(rules, declared, milestone, term, TermStart(field=start_field) if after is None
                     else TermStart(after=after), data, visiting)


def _end_from(rules: LegalRules, declared: dict, milestone: str, term: str, start: TermStart, data: dict,
              visiting: set[str]) -> date | None:
    """The last day of ``term`` counted from ``start`` (a case date, the end of another deadline, or today; a
    missing date counts from today)."""
    begin = None
    if start.after is not None:
        begin = _allowed_end(rules, declared, start.after, data, visiting | {milestone})
    elif start.field is not None:
        begin = _start_date(data.get(start.field))
    try:
        return legal_deadline(begin or date.fromisoformat(today()), term)
    except ValueError:
        return None


def _start_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return local_date(value) if value.tzinfo else value.date()
    text = str(value or "")
    if len(text) > 10:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return local_date(moment) if moment.tzinfo else moment.date()
        except ValueError:
            pass
    return _as_date(value)


def _recorded_in_form(step, task) -> frozenset[str]:
    """The fields a person filled in on this task: the fields of its form, if it is a user task with one."""
    meta = step.parsed.tasks.get(getattr(task.task_spec, "bpmn_id", None) or "")
    if meta is None or meta.kind != "userTask" or not meta.form:
        return frozenset()
    schema = step.parsed.forms.get(meta.form) or {}
    return frozenset(name for name, prop in (schema.get("properties") or {}).items()
                     if isinstance(prop, dict) and not prop.get("readOnly"))


@lru_cache(maxsize=None)
def _completed_at_statement():
    """When the work item of the task ``task_id`` was completed (built once, issue 25)."""
    from sqlalchemy import bindparam, select

    from engine.worklist.models import WorkItem

    return select(WorkItem.completed_at).where(WorkItem.task_id == bindparam("task_id"))


def _statutory_hearing_end(step, rules: LegalRules, completed: list) -> date | None:
    """The last day of the zienswijze term as the engine holds it, whatever date the process wrote in the term
    field: the declared term (never shorter than the statutory floor) from the day the last voornemen went out (the
    day its work item was completed), or from its declared start date (``from``) when that is later. None when no
    voornemen was completed or neither day is known."""
    sent = [t for t in completed if rules.voornemen_milestone in milestones_of(_properties(t))]
    if not sent:
        return None
    voornemen = max(sent, key=lambda t: t.last_state_change)
    declared = next((d for d in rules.deadlines if d.milestone == rules.zienswijze_milestone), None)
    found = effective_term(declared, rules.zienswijze_milestone, rules)
    if found is None:
        return None
    term, _bound, start_field, _after = found
    starts: list[date] = []
    item = step.session.execute(_completed_at_statement(), {"task_id": str(voornemen.id)}).first()
    if item is not None:  # a user task: completed on that day, or by this very step (its item is still open here)
        starts.append(local_date(item.completed_at) if item.completed_at is not None else date.fromisoformat(today()))
    if start_field is not None:
        declared_start = _start_date(voornemen.data.get(start_field))
        if declared_start is not None:
            starts.append(declared_start)
    if not starts:
        return None
    try:
        return legal_deadline(max(starts), term)
    except ValueError:
        return None


def _check_hearing_term(rules: LegalRules, task, recorded: frozenset[str] = frozenset(),
                        statutory_end: date | None = None) -> None:
    """``recorded``: the fields a person filled in on this task. The subject's answer or waiver counts only from
    there; a script (or a task whose form lacks the field) can only record that the term ran out. ``statutory_end``:
    the last day of the term counted by the engine (``_statutory_hearing_end``); a term field the process set
    earlier (a date in the past, a zienswijze step without a timer) does not shorten it."""
    data = task.data
    if rules.answered_field in recorded and data.get(rules.answered_field) is True:
        return
    if rules.waiver_field in recorded and data.get(rules.waiver_field) is True:
        if _as_date(data.get(rules.waiver_record_field)) is None:
            raise LegalRuleViolation(
                f"Afstand van de zienswijze telt alleen schriftelijk: leg de datum van de afstandsverklaring vast "
                f"({rules.waiver_record_field}) ({rules.hearing_source}).",
                reason="zienswijze-afstand-niet-schriftelijk")
        return
    term = _as_date(data.get(rules.term_field))
    if term is None:
        raise LegalRuleViolation(
            f"De zienswijzetermijn is niet vastgelegd ({rules.term_field}); zonder termijn kan niet worden "
            f"vastgelegd dat er geen zienswijze kwam ({rules.hearing_source}).", reason="zienswijzetermijn-ontbreekt")
    if statutory_end is not None and statutory_end > term:
        term = statutory_end
    if date.fromisoformat(today()) <= term:
        raise LegalRuleViolation(
            f"De zienswijzetermijn loopt tot en met {_dutch(term)}: 'geen zienswijze' kan pas daarna worden "
            f"vastgelegd, tenzij de betrokkene schriftelijk afstand deed. {rules.hearing_rule}.",
            reason="zienswijzetermijn-loopt")


def _check_minutes_reviewed(review, task, completed: list) -> None:
    heard = task.data.get(review.heard_field)
    for item in heard if isinstance(heard, list) else []:
        name = item.get(review.name_key) if isinstance(item, dict) else item
        own = [t for t in completed if t.data.get(review.item_field) == item]
        if any(review.review_milestone in milestones_of(_properties(t)) and t.data.get(review.answered_field) is True
               for t in own):
            continue
        terms = [d for d in (_as_date(t.data.get(review.term_field)) for t in own) if d is not None]
        if not terms:
            raise LegalRuleViolation(
                f"Getuige '{name}' heeft het verslag van het verhoor nog niet ter controle, correctie en "
                f"ondertekening gekregen: het rapport kan nog niet worden vastgesteld ({review.source}).",
                reason="getuigenverslag-niet-voorgelegd")
        if date.fromisoformat(today()) <= max(terms):
            raise LegalRuleViolation(
                f"Getuige '{name}' kan het verslag van het verhoor nog controleren, corrigeren en ondertekenen tot "
                f"en met {_dutch(max(terms))}: het rapport kan pas worden vastgesteld als de getuige reageerde of "
                f"de termijn verliep ({review.source}).", reason="getuigenverslag-termijn-loopt")


def _ends_subject_hearing(task) -> bool:
    """Whether a completed task ends the subject's hearing: it carries ``HOORVERSLAG``, or it is a timer on a task
    that does (the term to react to the minutes ran)."""
    spec = task.task_spec
    if isinstance(spec, BoundaryEventMixin):
        split = task.parent.task_spec if task.parent is not None else None
        hosts = [s for s in getattr(split, "outputs", ()) if not isinstance(s, BoundaryEventMixin)]
        return any(HOORVERSLAG in milestones_of(getattr(s, "extensions", {}).get("properties", {}) or {})
                   for s in hosts)
    return HOORVERSLAG in milestones_of(_properties(task)) and not isinstance(spec, IntermediateCatchEventMixin)


def _check_subject_heard(rules: LegalRules, task, completed: list) -> None:
    if not any(d.milestone == HOORVERSLAG for d in rules.deadlines):
        return
    if any(_ends_subject_hearing(t) for t in completed if t is not task):
        return
    name = task.task_spec.bpmn_name or task.task_spec.bpmn_id or task.task_spec.name
    raise LegalRuleViolation(
        f"{SUBJECT_HEARD_RULE}: de taak '{name}' kan pas worden afgerond als de betrokkene is gehoord en op het "
        f"verslag van het hoorgesprek kon reageren (een afgeronde taak met de mijlpaal '{HOORVERSLAG}', of de "
        f"correctietermijn daarvan verlopen); er is niets opgeslagen.", reason="betrokkene-niet-gehoord")


def _check_investigation(step, rules: LegalRules, task, milestones: frozenset[str], completed: list) -> None:
    """``kennisgeving`` and ``onderzoeksopdracht`` (``legal_rules.investigation``): the hearing (a task carrying
    its ``hearing_milestone`` or ``HOORVERSLAG``) completes only after a task carrying the notice milestone was
    completed in the case (its letter to the subject went out in that step: ``written_notices``); an investigating
    task (the separation of duties reads it so, ``separated_duties``, and it does not carry the preliminary
    milestone; or it carries a milestone of the formal investigation) only after a task carrying the assignment
    milestone. Timers watching a term are no work of their own."""
    spec = task.task_spec
    if isinstance(spec, (BoundaryEventMixin, IntermediateCatchEventMixin)) or not _is_author(task):
        return
    inv = rules.investigation
    name = spec.bpmn_name or spec.bpmn_id or spec.name
    earlier = [t for t in completed if t is not task]

    def done(milestone: str) -> bool:
        return any(milestone in milestones_of(_properties(t)) for t in earlier)

    separation = getattr(step.parsed, "separation", None)
    duty = separation.tasks.get(spec.bpmn_id or "") if separation is not None else None
    investigating = bool(milestones & formal_milestones(rules)) or (
        duty == INVESTIGATES and not (inv.preliminary_milestone and inv.preliminary_milestone in milestones))
    if investigating and inv.assignment_milestone not in milestones and not done(inv.assignment_milestone):
        raise LegalRuleViolation(
            f"{ASSIGNMENT_RULE} ({inv.source}): de taak '{name}' (onderzoek) kan pas worden afgerond als het bevoegd "
            f"gezag de onderzoeksopdracht heeft verstrekt (een afgeronde taak met de mijlpaal "
            f"'{inv.assignment_milestone}'); er is niets opgeslagen.", reason="geen-onderzoeksopdracht")
    if milestones & {inv.hearing_milestone, HOORVERSLAG} and not done(inv.notice_milestone):
        raise LegalRuleViolation(
            f"{NOTICE_RULE}: de taak '{name}' kan pas worden afgerond als de betrokkene schriftelijk is ingelicht over "
            f"het onderzoek (een afgeronde taak met de mijlpaal '{inv.notice_milestone}', die de brief aan de "
            f"betrokkene verstuurt); er is niets opgeslagen.", reason="betrokkene-niet-ingelicht")


def _last_with(completed: list, milestone: str):
    found = [t for t in completed if milestone in milestones_of(_properties(t))]
    return max(found, key=lambda t: t.last_state_change) if found else None


def hearing_state(rules: LegalRules | None, completed: list) -> str:
    """What the hoorplicht (``_check_penalties``) reads in a case's completed tasks, in Dutch: whether a voornemen
    went out and with which penalties, and whether a zienswijze step followed it. The milestones and the intention
    field are those of the version ``rules`` and the tasks' specs belong to: a case moved onto another version
    (``engine.processes.migration``) keeps its history only where this reads the same on both."""
    if rules is None:
        return "geen hoorplicht"
    voornemen = _last_with(completed, rules.voornemen_milestone)
    if voornemen is None:
        return "geen voornemen"
    heard = "; ".join(rules.penalties_in(voornemen.data.get(rules.intention_field))) or "geen straf"
    zienswijze = _last_with(completed, rules.zienswijze_milestone)
    if zienswijze is None or zienswijze.last_state_change < voornemen.last_state_change:
        return f"voornemen ({heard}) zonder zienswijze"
    return f"voornemen ({heard}) met zienswijze"


def _check_penalties(rules: LegalRules, completed: list, penalties: list[str]) -> None:
    voornemen = _last_with(completed, rules.voornemen_milestone)
    zienswijze = _last_with(completed, rules.zienswijze_milestone)
    if voornemen is None or zienswijze is None or zienswijze.last_state_change < voornemen.last_state_change:
        raise LegalRuleViolation(
            f"{rules.hearing_rule}: '{'; '.join(penalties)}' kan pas worden opgelegd nadat de betrokkene het "
            f"voornemen kreeg en een zienswijze kon geven.", reason="straf-zonder-zienswijze")
    intended = rules.penalties_in(voornemen.data.get(rules.intention_field))
    # A penalty outside the voornemen is allowed (lighter_allowed) only in place of a heavier intended penalty that
    # the decision drops, one for one: a lighter penalty on top of the intended ones adds to what was heard.
    by_weight = lambda ms: sorted(ms, key=rules.severity, reverse=True)  # noqa: E731
    extra = by_weight(m for m in dict.fromkeys(penalties) if m not in intended)
    dropped = by_weight(m for m in intended if m not in penalties) if rules.lighter_allowed else []
    for i, measure in enumerate(extra):
        if i < len(dropped) and rules.severity(measure) < rules.severity(dropped[i]):
            continue
        heard = "; ".join(intended) or "geen straf"
        on_top = rules.lighter_allowed and any(rules.severity(measure) < rules.severity(m) for m in intended)
        why = (f"'{measure}' komt bovenop de straf van het voornemen ({heard}); een lichtere straf kan alleen in "
               f"plaats van een voorgenomen straf, niet erbij. Wie meer wil opleggen, stuurt eerst een nieuw voornemen"
               if on_top else f"'{measure}' gaat verder dan het voornemen ({heard})")
        raise LegalRuleViolation(
            f"Het besluit mag geen zwaardere of andere straf opleggen dan het voornemen waarop de betrokkene is "
            f"gehoord ({rules.measures_source}): {why}.", reason="zwaardere-straf-dan-voornemen")


def _check_fixed_dates(step, rules: LegalRules, task) -> None:
    parent = task.parent
    if parent is None:
        return
    for fixed in rules.fixed_dates:
        before, after = parent.data.get(fixed.field), task.data.get(fixed.field)
        if before is None or after == before:
            continue
        old, new = _as_date(before), _as_date(after)
        if new is None or old is None or new > old:
            raise LegalRuleViolation(
                f"{fixed.label[:1].upper()}{fixed.label[1:]} ({fixed.field}) ligt vast sinds de intake en kan alleen "
                f"naar een eerdere datum worden gecorrigeerd ({fixed.source}).", reason="vaste-datum-later")
        reason = task.data.get(fixed.reason_field)
        if not isinstance(reason, str) or not reason.strip() or reason == parent.data.get(fixed.reason_field):
            raise LegalRuleViolation(
                f"Een correctie van {fixed.label} ({fixed.field}) naar een eerdere datum vereist een reden "
                f"({fixed.reason_field}) ({fixed.source}).", reason="vaste-datum-zonder-reden")
        # the reason stands in the case's audit chain: it never names the reporter (the step rolls back)
        reasons.check_reason(step.session, case_id=step.case.id, text=reason, field=fixed.reason_field,
                             label="De reden van de correctie")
        audit.append(session=step.session, actor=step.actor, action="legal.date_corrected", case_id=step.case.id,
                     task_id=str(task.id), details={"veld": fixed.field, "van": old.isoformat(),
                                                    "naar": new.isoformat(), "reden": reason.strip()})
