"""Legal rules a process owner declares in ``manifest.json`` (key ``legal_rules``), and their static proof.

The declaration speaks of case data (field names) and task milestones: a BPMN element carries the property
``legal_milestone`` (e.g. ``voornemen``); Python never names an element id. Two consumers:

* ``engine.cases.legal_rules`` checks the rules inside every step's transaction (task completion, timer, start);
* ``prove`` (called by ``processes check`` and deploy) analyses the process graph and refuses a version in which
  a path reaches a task that may impose a penalty without passing the hearing milestones, or in which a declared
  legal deadline has no timer (and, where declared, no escalation).

Shape (all keys in English, texts for people in Dutch)::

    "legal_rules": {
      "measures": {"field": "afdoeningen", "source": "CAO Rijk hoofdstuk 15",
                   "penalties": ["Schriftelijke berisping", ..., "Beëindiging dienstverband"]},   # light → heavy
      "hearing": {"source": "...",
                  "voornemen": {"milestone": "voornemen", "measures_field": "voorgenomen_maatregel"},
                  "zienswijze": {"milestone": "zienswijze", "answered_field": "zienswijze_ontvangen",
                                 "waiver_field": "zienswijze_afstand", "waiver_record_field": "zienswijze_afstand_datum",
                                 "term_field": "zienswijze_termijn"},
                  "lighter_allowed": true},
      "registration_milestone": "registratie",
      "deadline_monitor_roles": ["integriteitscoordinator"],   # see every overdue task of the cases they may see
      "fixed_dates": [{"field": "datum_melding", "label": "...", "reason_field": "...", "source": "..."}],
      "deadlines": [{"name": "...", "milestone": "ontvangstbevestiging", "escalation": true, "source": "..."}],
      "minutes_review": {"source": "...", "heard_field": "getuigenverhoren", "item_field": "getuigenverhoor",
                         "name_key": "getuige", "review_milestone": "getuigenverslag",
                         "answered_field": "getuige_reactie_ontvangen", "term_field": "getuige_correctie_termijn",
                         "report_milestone": "rapport"},
      "written_notices": [{"milestone": "voornemen", "recipient": "betrokkene",
                           "source": "CAO Rijk hoofdstuk 15: het voornemen wordt schriftelijk meegedeeld"}],
      "investigation": {"source": "...", "assignment_milestone": "onderzoeksopdracht",
                        "notice_milestone": "kennisgeving", "hearing_milestone": "hoorgesprek",
                        "preliminary_milestone": "vooronderzoek"}
    }

``investigation``: a set that investigates declares it, and the notice to 'betrokkene' in ``written_notices``
(``investigation_issues``): the competent authority's assignment comes before every investigating task but the
preliminary one, the written notice to the subject before the hearing.

``written_notices``: every task carrying the milestone declares a letter (``letter``) whose ``ontvanger`` in
letters.json is the recipient, sent to that recipient (``letter_recipient``); proven here
(``written_notice_issues``) and checked at every step (the letter is in the step's outbox). The letter written
at the voornemen shows the intended penalty (``hearing.voornemen.measures_field``) with a placeholder the letter
always renders (``intention_letter_issues``, over the templates' Jinja source): the subject is heard on what it says.
"""
from __future__ import annotations

import ast
import calendar
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Callable

from lxml import etree

from engine.errors import ProcessValidationError, ValidationIssue
from engine.legal_terms import add_calendar, parse_duration

MANIFEST_FILE = "manifest.json"
MILESTONE_PROPERTY = "legal_milestone"
# The task whose completion fulfils a milestone (the reports count it): ``fulfils="terugkoppeling"``.
FULFILS_PROPERTY = "fulfils"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}


@dataclass(frozen=True)
class FixedDate:
    field: str
    label: str
    reason_field: str
    source: str


MAXIMUM, MINIMUM = "maximum", "minimum"


@dataclass(frozen=True)
class Deadline:
    """A legal deadline on the tasks with ``milestone``. ``term`` (ISO 8601) is a ``maximum`` (what the organisation
    must do within it) or a ``minimum`` (time given to a person). It runs from the date in case field
    ``start_field`` ("from"), or from the end of the deadline of milestone ``after``; else from the day the timer is
    armed."""
    name: str
    milestone: str
    escalation: bool
    source: str
    term: str = ""  # empty only in a version stored before terms were declared (check and deploy refuse it)
    bound: str = ""
    start_field: str | None = None
    after: str | None = None


@dataclass(frozen=True)
class MinutesReview:
    """Every person heard (an item of ``heard_field``) gets the minutes to check, correct and sign; the task with
    ``report_milestone`` completes only when each answered (``answered_field`` on a ``review_milestone`` task)
    or the term (``term_field``, recorded in the data of the tasks that carry the item) has run."""
    source: str
    heard_field: str
    item_field: str  # the multi-instance item: the data of every task of one heard person carries it
    name_key: str
    review_milestone: str
    answered_field: str
    term_field: str
    report_milestone: str


@dataclass(frozen=True)
class WrittenNotice:
    """What the tasks carrying ``milestone`` mean is made known in writing: each sends a letter to ``recipient``
    (a recipient of letters.json), in the same step."""
    milestone: str
    recipient: str
    source: str

    @property
    def rule(self) -> str:
        return f"De mijlpaal '{self.milestone}' wordt schriftelijk meegedeeld aan '{self.recipient}' ({self.source})"


@dataclass(frozen=True)
class Investigation:
    """The formal investigation (DOMAIN §1.2–1.3): the competent authority gives the assignment (a task carrying
    ``assignment_milestone``, bound to the competent authority's slot) before any investigating work; the subject is
    notified in writing (a task carrying ``notice_milestone``, declared in ``written_notices`` to 'betrokkene')
    before the hearing (the task carrying ``hearing_milestone``: the conversation; and the one with ``HOORVERSLAG``).
    Investigating work carrying ``preliminary_milestone`` (the vooronderzoek, which judges whether a formal
    investigation is needed) comes before the assignment."""
    source: str
    assignment_milestone: str
    notice_milestone: str
    hearing_milestone: str
    preliminary_milestone: str | None = None

    @property
    def milestones(self) -> frozenset[str]:
        names = {self.assignment_milestone, self.notice_milestone, self.hearing_milestone}
        return frozenset(names | ({self.preliminary_milestone} if self.preliminary_milestone else set()))


@dataclass(frozen=True)
class LegalRules:
    measures_field: str
    penalties: tuple[str, ...]  # order of severity, lightest first
    measures_source: str
    hearing_source: str
    voornemen_milestone: str
    intention_field: str
    zienswijze_milestone: str
    answered_field: str
    waiver_field: str
    waiver_record_field: str
    term_field: str
    lighter_allowed: bool = True
    registration_milestone: str | None = None
    fixed_dates: tuple[FixedDate, ...] = ()
    deadlines: tuple[Deadline, ...] = field(default_factory=tuple)
    deadline_monitor_roles: tuple[str, ...] = ()  # roles that watch every overdue task (worklist 'Te laat')
    minutes_review: MinutesReview | None = None
    written_notices: tuple[WrittenNotice, ...] = ()
    investigation: Investigation | None = None

    def severity(self, measure: str) -> int | None:
        return self.penalties.index(measure) if measure in self.penalties else None

    def penalties_in(self, value: Any) -> list[str]:
        """The penalties in a measures value (a list of labels, or one label)."""
        items = value if isinstance(value, (list, tuple)) else [value] if isinstance(value, str) else []
        return [m for m in items if isinstance(m, str) and m in self.penalties]

    @property
    def milestones(self) -> frozenset[str]:
        names = {self.voornemen_milestone, self.zienswijze_milestone, *(d.milestone for d in self.deadlines)}
        if self.registration_milestone:
            names.add(self.registration_milestone)
        if self.minutes_review:
            names |= {self.minutes_review.review_milestone, self.minutes_review.report_milestone}
        names |= {n.milestone for n in self.written_notices}
        if self.investigation is not None:
            names |= self.investigation.milestones
        return frozenset(names)

    def floor_for(self, milestone: str) -> "StatutoryTerm | None":
        """The statutory floor of the deadline on ``milestone``: by what the milestone means in these rules (the
        zienswijze of the hearing, the review of the minutes), else by its name."""
        if milestone == self.zienswijze_milestone:
            return STATUTORY_TERM_BY_MILESTONE[ZIENSWIJZE]
        if self.minutes_review is not None and milestone == self.minutes_review.review_milestone:
            return STATUTORY_TERM_BY_MILESTONE[GETUIGENVERSLAG]
        return STATUTORY_TERM_BY_MILESTONE.get(milestone)

    @property
    def hearing_rule(self) -> str:
        return f"Een straf vereist eerst een voornemen en zienswijze ({self.hearing_source})"


# The statutory floor (DOMAIN §1: CAO Rijk hoofdstuk 15): what a process set that can impose a penalty must declare,
# whatever its manifest says. The manifest names the milestones and the sources; it cannot leave the hearing out,
# move it to another field, or drop or reorder a penalty. The engine itself reads a case's resolution from
# ``afdoeningen`` (case summary, annual annex, retention class, precedents), so that is the field the rule guards.
RESOLUTION_FIELD = "afdoeningen"
# The disciplinary penalties among the published resolution labels (engine.reports.labels.RESOLUTIONS), light to
# heavy; "Ontslag op initiatief van de medewerker" is no penalty: the employer does not impose it.
STATUTORY_PENALTIES = (
    "Schriftelijke berisping",
    "Vermindering IKB-uren",
    "Financiële afdoening (boete/ uitsluiting periodiek)",
    "Verplaatsing",
    "Beëindiging tijdelijke arbeidsovereenkomst, contract, stage",
    "Beëindiging dienstverband",
)
STATUTORY_SOURCE = "CAO Rijk hoofdstuk 15"


# How the engine recognises a floor's legal situation in a process set, whatever the milestone is called there
# (a renamed milestone must not escape its floor):
BY_NAME = "name"          # the milestone's own name: the reporter's promises and the dashboard read these names
HEARING = "hearing"       # the milestone 'legal_rules.hearing.zienswijze.milestone' names
MINUTES = "minutes"       # the milestone 'legal_rules.minutes_review.review_milestone' names
REMEDY = "remedy"         # a set that can impose a penalty: the subject's legal remedy against the decision
AANGIFTE_RECORD = "aangifte"  # a task that records the aangifte in the fields the case summary reads
# The fields in which a task records that and when the aangifte was made (engine.cases.service.SUMMARY_KEYS: the
# case summary and reports read them).
AANGIFTE_FIELDS = ("aangifte_gedaan", "aangifte_datum")
# The field in which the competent authority decides an order measure (schorsing, toegangsverbod) during the
# investigation (engine.cases.service.SUMMARY_KEYS; the freedom-of-information overview counts suspensions).
ORDER_MEASURE_FIELD = "ordemaatregel"


@dataclass(frozen=True)
class StatutoryTerm:
    """The floor of one legal deadline (DOMAIN §3). ``milestone`` is the name the engine knows it by (the
    reporter's promises, the dashboard's counts read the same names); ``situation`` how the engine recognises the
    deadline's legal situation in a set whatever its milestone is called there. A maximum term in the manifest may
    be shorter, never longer; a minimum term longer, never shorter. ``start_field``/``after``: where the term starts
    (the manifest must declare the same start); without them the day the timer is armed (the latest a maximum term
    can start)."""
    milestone: str
    term: str
    bound: str
    source: str
    start_field: str | None = None
    after: str | None = None
    required: bool = False  # every case set with legal rules has it, whatever its tasks carry
    situation: str = BY_NAME
    # Practice, not law: once a round of the deadline's task has told the person that the answer is not yet known
    # (the task done without fulfilling the milestone, e.g. an interim message with the date they will hear), a
    # later round may set that later date. The first round is held to the term.
    interim: bool = False


WBK = "EU-richtlijn 2019/1937 art. 9; Wet bescherming klokkenluiders"
# The milestone of the task that ends the subject's hearing in the investigation (hoor en wederhoor): the minutes of
# the hearing were offered to check, correct and sign, and the answer came or its term ran. The engine knows it by
# this name: the report waits for it (``subject_hearing_issues``; at run time ``engine.cases.legal_rules``).
HOORVERSLAG = "hoorverslag"
ZIENSWIJZE, GETUIGENVERSLAG = "zienswijze", "getuigenverslag"
STATUTORY_TERMS = (
    StatutoryTerm("ontvangstbevestiging", "P7D", MAXIMUM, WBK, start_field="datum_melding", required=True),
    StatutoryTerm("terugkoppeling", "P3M", MAXIMUM, WBK, after="ontvangstbevestiging", required=True),
    # Every case set with legal rules handles reports: the reporter hears within 12 weeks whether the report is
    # founded (the reporter's page promises it, the dashboard counts it, both by this name).
    StatutoryTerm("gegrondheid", "P12W", MAXIMUM, "handreiking Rijk", start_field="datum_melding", interim=True,
                  required=True),
    # "onverwijld" names no number of days. The manifest chooses the term (shipped: one working day, P1D); the floor
    # is our outer reading of "without delay": never more than a week. It holds the task that records the aangifte.
    StatutoryTerm("aangifte", "P1W", MAXIMUM, "art. 162 Wetboek van Strafvordering (onverwijld)",
                  situation=AANGIFTE_RECORD),
    StatutoryTerm(ZIENSWIJZE, "P14D", MINIMUM, "CAO Rijk hoofdstuk 15 (redelijke termijn voor de zienswijze)",
                  situation=HEARING),
    StatutoryTerm(GETUIGENVERSLAG, "P14D", MINIMUM,
                  "Protocol integriteitsonderzoek (hoor en wederhoor): verslag ter correctie en ondertekening",
                  situation=MINUTES),
    # The subject heard in the investigation (hoor en wederhoor) is given the same term as a witness to check,
    # correct and sign the minutes of the hearing; its task carries this milestone.
    StatutoryTerm(HOORVERSLAG, "P14D", MINIMUM,
                  "Protocol integriteitsonderzoek (hoor en wederhoor): verslag ter correctie en ondertekening"),
    # The legal route depends on the organisation (public-law appointment: bezwaar; employment contract: the
    # cantonal court for a summary dismissal) and is chosen by a setting (DOMAIN §1): a set that can impose a
    # penalty carries both, each on a task after the decision.
    StatutoryTerm("bezwaar", "P6W", MINIMUM, "Awb art. 6:7", situation=REMEDY),
    StatutoryTerm("kantonrechter", "P2M", MINIMUM, "BW art. 7:686a lid 4", situation=REMEDY),
)
STATUTORY_TERM_BY_MILESTONE = {t.milestone: t for t in STATUTORY_TERMS}
BOUND_WORDS = {MAXIMUM: "ten hoogste", MINIMUM: "ten minste"}


def _reference_starts() -> list[date]:
    starts = []
    for year in (2027, 2028):  # a common and a leap year
        for month in range(1, 13):
            last = calendar.monthrange(year, month)[1]
            starts += [date(year, month, 1), date(year, month, min(28, last)), date(year, month, last)]
    return starts


_STARTS = _reference_starts()


def looser(actual: str, allowed: str, bound: str) -> bool:
    """Whether term ``actual`` ends later (maximum) or earlier (minimum) than ``allowed`` from some start day."""
    if isinstance(actual, str) and isinstance(allowed, str) and isinstance(bound, str):
        return _looser_remembered(actual, allowed, bound)
    return _looser(actual, allowed, bound)  # not a text: parse_duration says so in Dutch


# Pure in its three texts, and asked again at every step of every case (effective_term, per armed deadline): 72 start
# days and 144 date sums each time. An invalid term raises and is not remembered.
@functools.lru_cache(maxsize=4096)
def _looser_remembered(actual: str, allowed: str, bound: str) -> bool:
    return _looser(actual, allowed, bound)


def _looser(actual: str, allowed: str, bound: str) -> bool:
    a, b = parse_duration(actual), parse_duration(allowed)
    for start in _STARTS:
        end_a = datetime.combine(add_calendar(start, a), time()) + timedelta(seconds=a.seconds)
        end_b = datetime.combine(add_calendar(start, b), time()) + timedelta(seconds=b.seconds)
        if (end_a > end_b) if bound == MAXIMUM else (end_a < end_b):
            return True
    return False


def effective_term(deadline: Deadline | None, milestone: str,
                   rules: LegalRules | None = None) -> tuple[str, str, str | None, str | None] | None:
    """(term, bound, start_field, after) the engine holds a deadline to: the manifest's term, but never looser than
    the statutory floor (a version stored before the floor existed is held to it too); the floor's start. With
    ``rules`` the floor is found by what the milestone means there (``LegalRules.floor_for``)."""
    floor = rules.floor_for(milestone) if rules is not None else STATUTORY_TERM_BY_MILESTONE.get(milestone)
    if deadline is None and floor is None:
        return None
    if floor is None:
        if not deadline.term or not deadline.bound:
            return None
        return deadline.term, deadline.bound, deadline.start_field, deadline.after
    term = floor.term
    if deadline is not None and deadline.term and deadline.bound == floor.bound \
            and not looser(deadline.term, floor.term, floor.bound):
        term = deadline.term
    if floor.start_field or floor.after:
        return term, floor.bound, floor.start_field, floor.after
    return term, floor.bound, deadline.start_field if deadline else None, deadline.after if deadline else None


@dataclass(frozen=True)
class TermStart:
    """A day a legal term is counted from: the date in case field ``field``, the end of the term of milestone
    ``after``, or (neither) the day the step arms the timer (the engine clock)."""
    field: str | None = None
    after: str | None = None

    @property
    def today(self) -> bool:
        return self.field is None and self.after is None


ARMED = TermStart()  # the day the step that arms the timer runs


def term_starts(bound: str, start_field: str | None, after: str | None) -> tuple[TermStart, ...]:
    """Where the engine counts a legal term from (``effective_term``'s start), one rule for every step and for the
    deployment check. A maximum (what the organisation must do) ends no later than the term from its declared start
    (``after`` before ``from``; without either, from the day the timer is armed). A minimum (time given to a person)
    ends no earlier than the term from its declared start AND from the day the timer is armed: the step that arms
    the timer gives the person the term (sends the voornemen, the decision, the minutes), so an earlier day would
    shorten it. A timer's term must hold from each of these starts."""
    declared = TermStart(after=after) if after is not None else TermStart(field=start_field)
    if bound == MAXIMUM:
        return (declared,)
    return tuple(dict.fromkeys((declared, ARMED)))


def milestones_of(properties: Mapping[str, str]) -> frozenset[str]:
    """The milestones an element carries (``legal_milestone``, comma-separated)."""
    raw = properties.get(MILESTONE_PROPERTY) or ""
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


# --------------------------------------------------------------------------- parsing the declaration

def _fail(message: str) -> ProcessValidationError:
    return ProcessValidationError([ValidationIssue(MANIFEST_FILE, f"legal_rules: {message}")])


def _text(block: Mapping, key: str, where: str, *, required: bool = True) -> str:
    value = block.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise _fail(f"'{where}.{key}' moet een niet-lege tekst zijn")
    return value.strip()


def _object(block: Any, where: str) -> Mapping:
    if not isinstance(block, dict):
        raise _fail(f"'{where}' moet een object zijn")
    return block


def parse_legal_rules(data: Any) -> LegalRules:
    """Check and read the ``legal_rules`` block; raises ProcessValidationError with a Dutch message."""
    data = _object(data, "legal_rules")
    measures = _object(data.get("measures"), "measures")
    penalties = measures.get("penalties")
    if (not isinstance(penalties, list) or not penalties
            or not all(isinstance(p, str) and p.strip() for p in penalties) or len(set(penalties)) != len(penalties)):
        raise _fail("'measures.penalties' moet een lijst van verschillende maatregelen zijn, van licht naar zwaar")
    hearing = _object(data.get("hearing"), "hearing")
    voornemen = _object(hearing.get("voornemen"), "hearing.voornemen")
    zienswijze = _object(hearing.get("zienswijze"), "hearing.zienswijze")
    lighter = hearing.get("lighter_allowed", True)
    if not isinstance(lighter, bool):
        raise _fail("'hearing.lighter_allowed' moet true of false zijn")
    fixed = data.get("fixed_dates", [])
    deadlines = data.get("deadlines", [])
    if not isinstance(fixed, list) or not isinstance(deadlines, list):
        raise _fail("'fixed_dates' en 'deadlines' moeten lijsten zijn")
    fixed_dates = tuple(
        FixedDate(field=_text(f, "field", "fixed_dates[]"), label=_text(f, "label", "fixed_dates[]"),
                  reason_field=_text(f, "reason_field", "fixed_dates[]"), source=_text(f, "source", "fixed_dates[]"))
        for f in (_object(item, "fixed_dates[]") for item in fixed))
    parsed_deadlines = []
    for item in deadlines:
        d = _object(item, "deadlines[]")
        escalation = d.get("escalation", True)
        if not isinstance(escalation, bool):
            raise _fail("'deadlines[].escalation' moet true of false zijn")
        # term and bound may be missing in a version stored before they existed (it must stay loadable for its
        # running cases; the engine holds it to the statutory floor); check and deploy refuse their absence.
        term = _text(d, "term", "deadlines[]", required=False)
        try:
            parsed_term = parse_duration(term) if term else None
        except ValueError as exc:
            raise _fail(f"'deadlines[].term' van '{d.get('name')}': {exc}") from None
        if parsed_term is not None and parsed_term.is_zero:
            raise _fail(f"'deadlines[].term' van '{d.get('name')}' moet langer dan nul zijn")
        bound = d.get("bound", "")
        if bound not in (MAXIMUM, MINIMUM, ""):
            raise _fail(f"'deadlines[].bound' van '{d.get('name')}' moet 'maximum' (wat de organisatie binnen de "
                        f"termijn moet doen) of 'minimum' (tijd die iemand krijgt) zijn")
        start_field = _text(d, "from", "deadlines[]", required=False) or None
        after = _text(d, "after", "deadlines[]", required=False) or None
        parsed_deadlines.append(Deadline(name=_text(d, "name", "deadlines[]"), milestone=_text(d, "milestone", "deadlines[]"),
                                         escalation=escalation, source=_text(d, "source", "deadlines[]"),
                                         term=term, bound=bound, start_field=start_field, after=after))
    declared = {d.milestone for d in parsed_deadlines}
    for d in parsed_deadlines:
        if d.after is not None and d.after not in declared:
            raise _fail(f"'deadlines[].after' van '{d.name}' noemt '{d.after}', maar geen termijn heeft die mijlpaal")
    monitors = data.get("deadline_monitor_roles", [])
    if not isinstance(monitors, list) or not all(isinstance(r, str) and r.strip() for r in monitors):
        raise _fail("'deadline_monitor_roles' moet een lijst van rolcodes zijn")
    registration = data.get("registration_milestone")
    if registration is not None and (not isinstance(registration, str) or not registration.strip()):
        raise _fail("'registration_milestone' moet een niet-lege tekst zijn")
    review = data.get("minutes_review")
    minutes_review = None
    if review is not None:
        review = _object(review, "minutes_review")
        minutes_review = MinutesReview(**{key: _text(review, key, "minutes_review") for key in (
            "source", "heard_field", "item_field", "name_key", "review_milestone", "answered_field", "term_field",
            "report_milestone")})
    written_notices = _written_notices(data.get("written_notices", []))
    investigation = None
    if data.get("investigation") is not None:
        block = _object(data.get("investigation"), "investigation")
        investigation = Investigation(
            **{key: _text(block, key, "investigation") for key in (
                "source", "assignment_milestone", "notice_milestone", "hearing_milestone")},
            preliminary_milestone=_text(block, "preliminary_milestone", "investigation", required=False) or None)
    return LegalRules(
        measures_field=_text(measures, "field", "measures"), penalties=tuple(penalties),
        measures_source=_text(measures, "source", "measures"), hearing_source=_text(hearing, "source", "hearing"),
        voornemen_milestone=_text(voornemen, "milestone", "hearing.voornemen"),
        intention_field=_text(voornemen, "measures_field", "hearing.voornemen"),
        zienswijze_milestone=_text(zienswijze, "milestone", "hearing.zienswijze"),
        answered_field=_text(zienswijze, "answered_field", "hearing.zienswijze"),
        waiver_field=_text(zienswijze, "waiver_field", "hearing.zienswijze"),
        waiver_record_field=_text(zienswijze, "waiver_record_field", "hearing.zienswijze"),
        term_field=_text(zienswijze, "term_field", "hearing.zienswijze"),
        lighter_allowed=lighter, registration_milestone=registration.strip() if registration else None,
        fixed_dates=fixed_dates, deadlines=tuple(parsed_deadlines),
        deadline_monitor_roles=tuple(r.strip() for r in monitors), minutes_review=minutes_review,
        written_notices=written_notices, investigation=investigation,
    )


def _written_notices(raw: Any) -> tuple[WrittenNotice, ...]:
    """``written_notices``: a list of {milestone, recipient, source}, one per milestone. Whether the recipient is
    one letters.json knows is proven with the letters (``written_notice_issues``): the catalogue is not read here."""
    if not isinstance(raw, list):
        raise _fail("'written_notices' moet een lijst zijn van {milestone, recipient, source}")
    notices: list[WrittenNotice] = []
    for item in raw:
        entry = _object(item, "written_notices[]")
        notice = WrittenNotice(milestone=_text(entry, "milestone", "written_notices[]"),
                               recipient=_text(entry, "recipient", "written_notices[]"),
                               source=_text(entry, "source", "written_notices[]"))
        if any(n.milestone == notice.milestone for n in notices):
            raise _fail(f"de mijlpaal '{notice.milestone}' staat meer dan eens in 'written_notices'")
        notices.append(notice)
    return tuple(notices)


# --------------------------------------------------------------------------- static proof over the graph

def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _properties(element: etree._Element) -> dict[str, str]:
    from engine.processes.validation import modeller_properties  # spiff-arena's names read as Meldpunt's

    nodes = element.xpath("./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS)
    return modeller_properties({node.get("name"): node.get("value", "") for node in nodes if node.get("name")})


FLOW_SKIP = frozenset({"sequenceFlow", "laneSet", "lane", "documentation", "extensionElements", "textAnnotation",
                       "association", "dataObject", "dataObjectReference", "dataStoreReference", "ioSpecification"})
CONTAINERS = frozenset({"subProcess", "transaction", "adHocSubProcess"})
TASKS = frozenset({"task", "userTask", "scriptTask", "serviceTask", "manualTask", "businessRuleTask", "sendTask",
                   "receiveTask"})


@dataclass
class _Node:
    element: etree._Element
    file: str
    kind: str
    outgoing: list[str] = field(default_factory=list)  # ids of next nodes (sequence flows and boundary events)


class _Graph:
    """Flow nodes of every process and embedded subprocess, by id, with their successors."""

    def __init__(self, trees: Mapping[str, etree._ElementTree]):
        self.nodes: dict[str, _Node] = {}
        self.processes: dict[str, etree._Element] = {}
        self.starts: dict[str, list[str]] = {}  # container id -> start event ids
        self.ends: dict[str, list[str]] = {}
        self.container: dict[str, str] = {}  # node id -> id of the process or subprocess it is in
        for path, tree in trees.items():
            if not path.endswith(".bpmn"):
                continue
            for process in tree.getroot().iterfind(".//bpmn:process", NS):
                self.processes[process.get("id")] = process
                self._add_container(path, process)

    def _add_container(self, path: str, container: etree._Element) -> None:
        cid = container.get("id")
        self.starts[cid], self.ends[cid] = [], []
        for child in container:
            if not isinstance(child.tag, str) or child.get("id") is None or _local(child) in FLOW_SKIP:
                continue
            kind = _local(child)
            self.nodes[child.get("id")] = _Node(child, path, kind)
            self.container[child.get("id")] = cid
            if kind == "startEvent":
                self.starts[cid].append(child.get("id"))
            elif kind == "endEvent":
                self.ends[cid].append(child.get("id"))
            if kind in CONTAINERS:
                self._add_container(path, child)
        for flow in container.iterfind("./bpmn:sequenceFlow", NS):
            source = self.nodes.get(flow.get("sourceRef"))
            if source is not None:
                source.outgoing.append(flow.get("targetRef"))
        for boundary in container.iterfind("./bpmn:boundaryEvent", NS):
            host = self.nodes.get(boundary.get("attachedToRef"))
            if host is not None:
                host.outgoing.append(boundary.get("id"))


def _reachable_after(graph: _Graph, sources: set[str], first: list[str] | None = None,
                     avoid: frozenset[str] = frozenset()) -> set[str]:
    """The nodes a token can reach after leaving any of ``sources`` (or from the nodes ``first`` on, those included):
    into called processes and subprocesses, and from their ends back to the node that called or contains them. A
    node in ``avoid`` stops the token (neither it nor what lies behind it counts, unless reached another way)."""
    callers: dict[str, list[str]] = {}
    for node_id, node in graph.nodes.items():
        if node.kind == "callActivity":
            callers.setdefault(node.element.get("calledElement"), []).append(node_id)
    seen: set[str] = set()
    todo = [n for source in sources if source in graph.nodes for n in graph.nodes[source].outgoing] + list(first or [])
    while todo:
        node_id = todo.pop()
        if node_id in seen or node_id not in graph.nodes or node_id in avoid:
            continue
        seen.add(node_id)
        node = graph.nodes[node_id]
        todo.extend(node.outgoing)
        if node.kind == "callActivity":
            todo.extend(graph.starts.get(node.element.get("calledElement"), []))
        elif node.kind in CONTAINERS:
            todo.extend(graph.starts.get(node_id, []))
        elif node.kind == "endEvent":
            container = graph.container.get(node_id, "")
            outer = [container] if container in graph.nodes else callers.get(container, [])
            todo.extend(n for c in outer for n in graph.nodes[c].outgoing)
    return seen


def _writes_penalty_in_script(script: str, rules: LegalRules) -> bool:
    """Whether a script may put a penalty in the measures field (anything but a literal list of non-penalties)."""
    try:
        tree = ast.parse(script or "")
    except SyntaxError:
        return False  # reported by the script check
    target = rules.measures_field
    for node in ast.walk(tree):
        targets: list[ast.AST] = []
        value = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets, value = [node.target], None
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == target:
            return True  # afdoeningen.append(...), .extend(...): treat as writing
        names = [n for t in targets for n in ast.walk(t) if isinstance(n, ast.Name) and n.id == target]
        names += [n for t in targets for n in ast.walk(t)
                  if isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name) and n.value.id == target]
        if not names:
            continue
        if isinstance(value, (ast.List, ast.Tuple)) and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) and e.value not in rules.penalties
                for e in value.elts):
            continue
        return True
    return False


def _assigns(script: str, name: str) -> bool:
    """Whether a script gives plain name ``name`` a value (or changes it in place)."""
    try:
        tree = ast.parse(script or "")
    except SyntaxError:
        return False  # reported by the script check
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, (ast.AugAssign, ast.AnnAssign)) else []
        if any(isinstance(n, ast.Name) and n.id == name for t in targets for n in ast.walk(t)):
            return True
    return False


def _scripts_of(element: etree._Element) -> list[tuple[str, str]]:
    """The scripts of one flow element with their Dutch label: script task, pre- and post-script."""
    out = [("het script", s.text or "") for s in element.iterfind("./bpmn:script", NS)]
    out += [("het voorscript", s.text or "") for s in element.iterfind("./bpmn:extensionElements/spiffworkflow:preScript", NS)]
    out += [("het nascript", s.text or "") for s in element.iterfind("./bpmn:extensionElements/spiffworkflow:postScript", NS)]
    return out


def _sets_hearing_fields(script: str, names: tuple[str, ...]) -> list[str]:
    """The hearing fields a script gives a value other than False or None (any other assignment counts)."""
    try:
        tree = ast.parse(script or "")
    except SyntaxError:
        return []  # reported by the script check
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets, value = [node.target], None
        else:
            continue
        harmless = isinstance(value, ast.Constant) and value.value in (False, None)
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name) and name.id in names and not harmless and name.id not in found:
                    found.append(name.id)
    return found


def _form_allows_penalty(schema: Mapping | None, rules: LegalRules) -> bool:
    if not isinstance(schema, Mapping):
        return False
    prop = (schema.get("properties") or {}).get(rules.measures_field)
    if prop is None:
        return bool(schema.get("additionalProperties", False))  # an open form takes any field
    if not isinstance(prop, Mapping) or prop.get("readOnly"):
        return False
    items = prop.get("items") if isinstance(prop.get("items"), Mapping) else prop
    allowed = items.get("enum")
    if allowed is None:
        return True  # free text can hold any measure
    return any(value in rules.penalties for value in allowed)



TERM_FUNCTIONS = frozenset({"legal_term", "legal_date", "add_duration"})
SETTINGS_NAME = "instellingen"


class _Assignments(dict):
    """Name -> the values scripts assign to it; ``origin`` maps a value (by identity) to where it is written: the
    flow node and the script element (for file, element and line of a message)."""

    def __init__(self) -> None:
        super().__init__()
        self.origin: dict[int, tuple[_Node, etree._Element]] = {}


def _script_elements(element: etree._Element) -> list[tuple[str, etree._Element]]:
    """The script elements of one flow element with their Dutch label (see ``_scripts_of``)."""
    out = [("het script", s) for s in element.iterfind("./bpmn:script", NS)]
    out += [("het voorscript", s) for s in element.iterfind("./bpmn:extensionElements/spiffworkflow:preScript", NS)]
    out += [("het nascript", s) for s in element.iterfind("./bpmn:extensionElements/spiffworkflow:postScript", NS)]
    return out


def _script_assignments(graph: "_Graph") -> _Assignments:
    """Every value a script, pre- or post-script of the set assigns to a plain name."""
    out = _Assignments()
    for node in graph.nodes.values():
        for _label, script in _script_elements(node.element):
            try:
                tree = ast.parse(script.text or "")
            except SyntaxError:
                continue
            for stmt in ast.walk(tree):
                if isinstance(stmt, ast.Assign):
                    for target in stmt.targets:
                        if isinstance(target, ast.Name):
                            out.setdefault(target.id, []).append(stmt.value)
                            out.origin[id(stmt.value)] = (node, script)
    return out


def _literal_terms(arg: ast.AST, settings: Mapping) -> list[tuple[str | None, str]]:
    """The possible durations of a term argument: (ISO text or None when not literal, how it is written)."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [(arg.value, f"'{arg.value}'")]
    if isinstance(arg, ast.IfExp):
        return _literal_terms(arg.body, settings) + _literal_terms(arg.orelse, settings)
    if isinstance(arg, ast.BoolOp):
        return [found for value in arg.values for found in _literal_terms(value, settings)]
    if isinstance(arg, ast.Subscript) and isinstance(arg.value, ast.Name) and arg.value.id == SETTINGS_NAME \
            and isinstance(arg.slice, ast.Constant) and isinstance(arg.slice.value, str):
        value = settings.get(arg.slice.value)
        label = f"de instelling '{arg.slice.value}'"
        return [(value, f"{label} ('{value}')")] if isinstance(value, str) else [(None, label)]
    return [(None, "")]


@dataclass(frozen=True)
class _TermCall:
    """A legal_term/legal_date/add_duration call a timer is computed with; ``origin``: the node and script element
    that write it (None: in the timer expression itself)."""
    call: ast.Call
    origin: tuple["_Node", etree._Element] | None

    @property
    def duration(self) -> ast.AST | None:
        return self.call.args[0] if self.call.args else next(
            (k.value for k in self.call.keywords if k.arg == "duration"), None)

    @property
    def start(self) -> ast.AST | None:
        return _call_start(self.call)


def _call_start(call: ast.Call) -> ast.AST | None:
    """The start argument of a term call (positional or ``start=``); None when it is left out (the engine clock)."""
    return call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "start"), None)


def _timer_calls(expression: str, assignments: Mapping[str, list[ast.AST]]) -> list[_TermCall]:
    """The term calls a timer expression is computed with: in it, or in the script values of the names it reads
    (followed through scripts)."""
    try:
        root = ast.parse(expression or "", mode="eval")
    except SyntaxError:
        return []
    origin = getattr(assignments, "origin", {})
    found: list[_TermCall] = []
    seen: set[str] = set()

    def visit(node: ast.AST, where: tuple[_Node, etree._Element] | None) -> None:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in TERM_FUNCTIONS:
            # the term of this call; its start (another term's end, say) is not this deadline's term
            found.append(_TermCall(node, where))
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in seen:
            seen.add(node.id)
            for value in assignments.get(node.id, []):
                visit(value, origin.get(id(value), where))
            return
        for child in ast.iter_child_nodes(node):
            visit(child, where)

    visit(root.body, None)
    return found


def _timer_terms(expression: str, assignments: Mapping[str, list[ast.AST]],
                 settings: Mapping) -> list[tuple[str | None, str]]:
    """The terms a timer expression is computed with: the duration of every legal_term/legal_date/add_duration call
    in it or in the script values of the names it reads (followed through scripts), or the expression itself when
    it is a literal duration. (None, ...) marks a term that is no literal: the run-time check holds it."""
    try:
        root = ast.parse(expression or "", mode="eval")
    except SyntaxError:
        return []
    if isinstance(root.body, ast.Constant) and isinstance(root.body.value, str):
        return [(root.body.value, f"'{root.body.value}'")]
    return [found for call in _timer_calls(expression, assignments) if call.duration is not None
            for found in _literal_terms(call.duration, settings)]


CLOCK_FUNCTIONS = frozenset({"today", "now"})


def _same(a: ast.AST, b: ast.AST) -> bool:
    return ast.dump(a) == ast.dump(b)


def _all(verdicts: list[bool | None]) -> bool | None:
    return False if False in verdicts else None if None in verdicts else True


def _any(verdicts: list[bool | None]) -> bool | None:
    return True if True in verdicts else None if None in verdicts else False


def _min_or_max(node: ast.IfExp) -> str | None:
    """'min' or 'max' when ``node`` is ``a if a <= b else b`` (and the like); else None."""
    test = node.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and len(test.comparators) == 1):
        return None
    left, op, right = test.left, test.ops[0], test.comparators[0]
    if isinstance(op, (ast.Gt, ast.GtE)):
        smaller_first = False
    elif isinstance(op, (ast.Lt, ast.LtE)):
        smaller_first = True
    else:
        return None
    if _same(node.body, left) and _same(node.orelse, right):
        return "min" if smaller_first else "max"
    if _same(node.body, right) and _same(node.orelse, left):
        return "max" if smaller_first else "min"
    return None


class _StartReader:
    """Whether the start of a term call (``start=``) is one the engine counts the deadline's term from
    (``term_starts``), read from the expression: True when it is (a minimum may also start later, a maximum
    earlier), False when it is another day (another case date; for a maximum with a declared start also the day the
    timer is armed), None when it cannot be told from the text (the run-time check holds it)."""

    def __init__(self, rules: LegalRules, assignments: Mapping[str, list[ast.AST]]):
        self.rules = rules
        self.assignments = assignments
        self.declared = {d.milestone: d for d in rules.deadlines}

    def starts(self, milestone: str) -> tuple[str, tuple[TermStart, ...], str] | None:
        found = effective_term(self.declared.get(milestone), milestone, self.rules)
        if found is None:
            return None
        term, bound, start_field, after = found
        return bound, term_starts(bound, start_field, after), term

    def verdict(self, start: ast.AST | None, milestone: str, seen: frozenset[str] = frozenset()) -> bool | None:
        found = self.starts(milestone)
        if found is None:
            return None
        bound, starts, _term = found
        fields = {s.field for s in starts if s.field is not None}
        after = next((s.after for s in starts if s.after is not None), None)
        # A minimum holds when the start is no earlier than its starts: min() of two needs both, max() one of them.
        # A maximum holds when the start is its declared start or earlier: min() needs one, max() both.
        on_min, on_max = (_any, _all) if bound == MAXIMUM else (_all, _any)

        def read(node: ast.AST | None, seen: frozenset[str]) -> bool | None:
            if node is None or (isinstance(node, ast.Constant) and node.value is None) or (
                    isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in CLOCK_FUNCTIONS and not node.args):
                if bound == MAXIMUM and not fields and after is None:
                    return True  # a maximum without a declared start runs from the armed day
                return ARMED in starts
            if isinstance(node, ast.Name):
                if node.id in fields:
                    return True
                values = self.assignments.get(node.id, [])
                if values and node.id not in seen:
                    return _all([read(v, seen | {node.id}) for v in values])
                if bound == MAXIMUM and not fields and after is None:
                    return None  # an earlier date is stricter, a later one looser: held at run time
                return False  # another case date: not where the engine counts this term from
            if isinstance(node, ast.IfExp):
                kind = _min_or_max(node)
                verdicts = [read(node.body, seen), read(node.orelse, seen)]
                return (on_min if kind == "min" else on_max if kind == "max" else _all)(verdicts)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("min", "max") \
                    and node.args and not node.keywords:
                return (on_min if node.func.id == "min" else on_max)([read(a, seen) for a in node.args])
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in TERM_FUNCTIONS:
                # the end of another term: later than its own start
                if after is not None:
                    return self.ends_term(node, after, seen)
                if read(_call_start(node), seen) is not True:
                    return None
                return bound != MAXIMUM  # later than a start that holds: a minimum holds, a maximum is looser
            return None  # a literal date, a setting, arithmetic: held at run time

        return read(start, seen)

    def ends_term(self, call: ast.Call, milestone: str, seen: frozenset[str]) -> bool | None:
        """Whether ``call`` computes the end of the term of ``milestone`` (no longer, from its start)."""
        found = self.starts(milestone)
        if found is None:
            return None
        _bound, _starts, term = found
        duration = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "duration"), None)
        if not (isinstance(duration, ast.Constant) and isinstance(duration.value, str)):
            return None
        try:
            if looser(duration.value, term, MAXIMUM):
                return False
        except ValueError:
            return None
        return self.verdict(_call_start(call), milestone, seen)


def _start_issue_text(deadline: Deadline, rules: LegalRules, written: str) -> str:
    """Why a timer's start is not where the engine counts the term from."""
    term, bound, start_field, after = effective_term(deadline, deadline.milestone, rules)
    head = f"Wettelijke termijn '{deadline.name}' ({deadline.source}): de termijn wordt gerekend vanaf {written}"
    if bound == MAXIMUM:
        return (f"{head}, maar de organisatie moet handelen binnen {term} {_start_words(start_field, after)}; een "
                f"latere begindatum verlengt de termijn, en de engine weigert dan de stap die de timer zet zodra die "
                f"dag later ligt (de zaak komt niet verder). Reken vanaf {_start_code(start_field, after, bound)}")
    person, given = "de betrokkene", "de dag waarop de termijn wordt gegeven (de stap die de timer zet)"
    floor = rules.floor_for(deadline.milestone)
    if deadline.milestone == rules.zienswijze_milestone:
        given = "de dag waarop het voornemen wordt verzonden"
    elif rules.minutes_review is not None and deadline.milestone == rules.minutes_review.review_milestone:
        person, given = "de gehoorde", "de dag waarop het verslag wordt aangeboden"
    elif floor is not None and floor.situation == REMEDY:
        given = "de dag waarop het besluit wordt verzonden"
    later = f", of vanaf de datum in '{start_field}' als die later ligt" if start_field else ""
    return (f"{head}, maar {person} krijgt ten minste {term} vanaf {given}{later}; een eerdere begindatum kort de "
            f"termijn in, en de engine weigert dan bij elke zaak de stap die de timer zet (de zaak komt niet "
            f"verder). Reken vanaf {_start_code(start_field, None, bound)}")


def _start_code(start_field: str | None, after: str | None, bound: str) -> str:
    if after is not None:
        return f"het einde van de termijn van mijlpaal '{after}'"
    if start_field is not None and bound == MAXIMUM:
        return f"'{start_field}' (start={start_field}) of een eerdere datum"
    if start_field is not None:
        return f"'{start_field}' (start={start_field}) of laat 'start' weg (de dag waarop de timer wordt gezet)"
    return "de dag waarop de timer wordt gezet: laat 'start' weg"


def _term_issue_text(deadline: Deadline, written: str, value: str) -> str:
    if deadline.bound == MAXIMUM:
        what = f"langer dan de verklaarde termijn '{deadline.term}' (de organisatie moet binnen die termijn handelen)"
    else:
        what = f"korter dan de verklaarde termijn '{deadline.term}' (de tijd die de betrokkene ten minste krijgt)"
    return (f"Wettelijke termijn '{deadline.name}' ({deadline.source}): de timer rekent met {written}, {what}")


def _start_words(start_field: str | None, after: str | None) -> str:
    if start_field and after:
        return f"vanaf '{start_field}' én na mijlpaal '{after}'"
    if start_field:
        return f"vanaf de datum in '{start_field}'"
    if after:
        return f"vanaf het einde van de termijn van mijlpaal '{after}'"
    return "vanaf de dag dat de timer wordt gezet"


def _form_records(schema: Any, names: tuple[str, ...]) -> list[str]:
    """The fields of ``names`` a person can fill in on a form (present and not read-only)."""
    props = (schema or {}).get("properties") if isinstance(schema, Mapping) else None
    if not isinstance(props, Mapping):
        return []
    return [n for n in names if isinstance(props.get(n), Mapping) and not props[n].get("readOnly")]


def statutory_term_issues(rules: LegalRules | None, trees: Mapping[str, etree._ElementTree],
                          forms: Mapping[str, Mapping] | None = None) -> list[ValidationIssue]:
    """The floor of the legal deadlines (``STATUTORY_TERMS``): a set with legal rules declares every deadline the
    law sets for the situations it has, as a maximum or minimum as the law has it, never looser than the law's term
    and (where the law says) from the law's start. The situation is recognised by meaning, not by the milestone's
    name (``StatutoryTerm.situation``): the zienswijze of the hearing, the review of the minutes, the legal remedy
    after a decision that can impose a penalty, the task that records the aangifte; the reporter's three terms are
    always required."""
    if rules is None:
        return []
    forms = forms or {}
    graph = _Graph(trees)
    carried = {node_id: milestones_of(_properties(node.element)) for node_id, node in graph.nodes.items()}
    everywhere: set[str] = set().union(*carried.values()) if carried else set()
    out: list[ValidationIssue] = []

    def manifest_issue(message: str) -> None:
        out.append(ValidationIssue(MANIFEST_FILE, message, "legal_rules"))

    def node_issue(node: _Node, message: str) -> None:
        out.append(ValidationIssue(node.file, message, node.element.get("id"), node.element.sourceline))

    for deadline in rules.deadlines:
        if not deadline.term or not deadline.bound:
            manifest_issue(f"Wettelijke termijn '{deadline.name}' ({deadline.source}): noem de termijn ('term', ISO "
                           f"8601, bijvoorbeeld \"P7D\") en of het een maximum of minimum is ('bound')")
    by_milestone = {d.milestone: d for d in rules.deadlines}

    def law(floor: StatutoryTerm) -> str:
        return f"{BOUND_WORDS[floor.bound]} {floor.term} ({floor.source})"

    def held(floor: StatutoryTerm, declared: Deadline) -> list[str]:
        """Why ``declared`` is looser than ``floor`` (empty: it holds)."""
        if not declared.term or not declared.bound:
            return []  # refused above
        found = []
        if declared.bound != floor.bound:
            found.append(f"Wettelijke termijn '{declared.name}': 'bound' moet '{floor.bound}' zijn; de wet geeft "
                         f"{law(floor)}")
        elif looser(declared.term, floor.term, floor.bound):
            found.append(f"Wettelijke termijn '{declared.name}': 'term' '{declared.term}' is "
                         f"{'langer' if floor.bound == MAXIMUM else 'korter'} dan de wet toestaat: {law(floor)}")
        if (floor.start_field or floor.after) and (declared.start_field, declared.after) != (floor.start_field,
                                                                                             floor.after):
            found.append(f"Wettelijke termijn '{declared.name}': de termijn loopt "
                         f"{_start_words(floor.start_field, floor.after)} ({floor.source}), niet "
                         f"{_start_words(declared.start_field, declared.after)}; zet "
                         f"{repr('from') if floor.start_field else repr('after')} op "
                         f"'{floor.start_field or floor.after}'")
        return found

    def hold(floor: StatutoryTerm, milestone: str, what: str = "") -> None:
        declared = by_milestone.get(milestone)
        if declared is None:
            manifest_issue(f"'deadlines' mist de wettelijke termijn voor mijlpaal '{milestone}'{what}: {law(floor)}")
            return
        for message in held(floor, declared):
            manifest_issue(message)

    # Which tasks decide on a penalty (as the hearing proof reads them): the remedy comes after them.
    deciding = {node_id for node_id, node in graph.nodes.items()
                if rules.registration_milestone not in carried[node_id]
                and (any(_writes_penalty_in_script(script, rules) for _label, script in _scripts_of(node.element))
                     or (node.kind == "userTask"
                         and _form_allows_penalty(forms.get(_properties(node.element).get("form", "")), rules)))}
    after_decision = _reachable_after(graph, deciding) if deciding else set()

    def records(node_id: str, name: str) -> bool:
        """Whether a task fills in case field ``name`` (a person in its form, or one of its scripts)."""
        node = graph.nodes[node_id]
        schema = forms.get(_properties(node.element).get("form", "")) if node.kind == "userTask" else None
        return bool(_form_records(schema, (name,))) or any(
            _assigns(script, name) for _label, script in _scripts_of(node.element))

    def starts_at(floor: StatutoryTerm, milestone: str, openers: set[str], what: str) -> None:
        """A minimum term given to the subject runs from the date the step that opens it records (``openers``),
        or from the day its timer is armed; never from another date (an earlier one would shorten it)."""
        declared = by_milestone.get(milestone)
        if declared is None or not declared.term or not declared.bound:
            return
        if declared.after is None and (declared.start_field is None
                                       or any(records(n, declared.start_field) for n in openers)):
            return
        manifest_issue(f"Wettelijke termijn '{declared.name}': de termijn loopt "
                       f"{_start_words(declared.start_field, declared.after)}, maar de betrokkene krijgt "
                       f"{law(floor)} vanaf {what}; 'from' moet een datum noemen die die stap vastlegt (of laat "
                       f"'from' en 'after' weg: dan telt de dag waarop de timer wordt gezet)")

    for floor in STATUTORY_TERMS:
        checked: set[str] = set()
        if floor.situation == HEARING:
            checked.add(rules.zienswijze_milestone)
            hold(floor, rules.zienswijze_milestone, " (de zienswijze: 'hearing.zienswijze.milestone')")
            starts_at(floor, rules.zienswijze_milestone,
                      {n for n, found in carried.items() if rules.voornemen_milestone in found},
                      f"het voornemen (mijlpaal '{rules.voornemen_milestone}')")
        elif floor.situation == MINUTES and rules.minutes_review is not None:
            checked.add(rules.minutes_review.review_milestone)
            hold(floor, rules.minutes_review.review_milestone,
                 " (het verslag ter correctie: 'minutes_review.review_milestone')")
        elif floor.situation == REMEDY and deciding:
            checked.add(floor.milestone)
            hold(floor, floor.milestone, " (het rechtsmiddel tegen het besluit; het proces kan een straf opleggen)")
            starts_at(floor, floor.milestone, deciding, "het besluit over de straf")
            if floor.milestone in by_milestone and not any(
                    floor.milestone in carried[n] and graph.nodes[n].kind in ("userTask", "callActivity")
                    for n in after_decision):
                manifest_issue(f"Wettelijke termijn '{by_milestone[floor.milestone].name}': geen taak na het besluit "
                               f"over de straf draagt de mijlpaal '{floor.milestone}'; het rechtsmiddel volgt op het "
                               f"besluit ({law(floor)})")
        elif floor.situation == AANGIFTE_RECORD:
            for node_id, node in graph.nodes.items():
                schema = forms.get(_properties(node.element).get("form", ""))
                fields = _form_records(schema, AANGIFTE_FIELDS) if node.kind == "userTask" else []
                if not fields:
                    continue
                declared = [by_milestone[m] for m in sorted(carried[node_id]) if m in by_milestone]
                if not declared:
                    node_issue(node, f"Deze taak legt de aangifte vast ({', '.join(repr(f) for f in fields)}), maar "
                                     f"draagt geen mijlpaal met een wettelijke termijn in 'deadlines': {law(floor)}")
                elif all(held(floor, d) for d in declared):
                    checked |= {d.milestone for d in declared}
                    for d in declared:
                        for message in held(floor, d):
                            manifest_issue(message)
        # By name, as before: a milestone called like the floor is held to it, and the reporter's terms always.
        if floor.milestone not in checked and (floor.required or floor.milestone in everywhere):
            hold(floor, floor.milestone)
    return out


def prove(rules: LegalRules, trees: Mapping[str, etree._ElementTree], forms: Mapping[str, Mapping],
          main_process: str, settings: Mapping | None = None,
          other_processes: tuple[str, ...] = ()) -> list[ValidationIssue]:
    """Refusals for this process set under ``rules``; empty when the proof holds. The penalty paths are walked from
    the main process and from every other process the manifest declares (``processes``: started by a timer or the
    register, they run under the same rules)."""
    graph = _Graph(trees)
    assignments = _script_assignments(graph)
    starts = _StartReader(rules, assignments)
    issues: list[ValidationIssue] = []

    def issue(node: _Node, message: str) -> None:
        issues.append(ValidationIssue(node.file, message, node.element.get("id"), node.element.sourceline))

    milestones: dict[str, frozenset[str]] = {}
    for node_id, node in graph.nodes.items():
        props = _properties(node.element)
        found = milestones_of(props)
        milestones[node_id] = found
        for unknown in sorted(found - rules.milestones):
            issue(node, f"Onbekende wettelijke mijlpaal '{unknown}' (het manifest kent: "
                        f"{', '.join(sorted(rules.milestones))})")
        fulfils = frozenset(p.strip() for p in (props.get(FULFILS_PROPERTY) or "").split(",") if p.strip())
        for unknown in sorted(fulfils - rules.milestones):
            issue(node, f"'{FULFILS_PROPERTY}' noemt een onbekende wettelijke mijlpaal '{unknown}' (het manifest "
                        f"kent: {', '.join(sorted(rules.milestones))})")

    def imposes(node: _Node) -> bool:
        props = _properties(node.element)
        if rules.registration_milestone in milestones[node.element.get("id")]:
            return False  # checked separately: a registration is terminal and sends no letter
        scripts = [s.text or "" for s in node.element.iterfind("./bpmn:script", NS)]
        scripts += [s.text or "" for s in node.element.iterfind(
            "./bpmn:extensionElements/spiffworkflow:preScript", NS)]
        scripts += [s.text or "" for s in node.element.iterfind(
            "./bpmn:extensionElements/spiffworkflow:postScript", NS)]
        if any(_writes_penalty_in_script(s, rules) for s in scripts):
            return True
        return node.kind == "userTask" and _form_allows_penalty(forms.get(props.get("form", "")), rules)

    # The subject's answer or written waiver is recorded by a person in a form, never set by a script: a script that
    # says "zienswijze ontvangen" would close the hearing without the subject having had a word.
    hearing_fields = (rules.answered_field, rules.waiver_field, rules.waiver_record_field)
    for node_id, node in graph.nodes.items():
        for label, script in _scripts_of(node.element):
            for name in _sets_hearing_fields(script, hearing_fields):
                issue(node, f"{rules.hearing_rule}: {label} zet '{name}'; alleen wie de zienswijze verwerkt legt in "
                            f"het formulier vast dat de betrokkene reageerde of schriftelijk afstand deed (een script "
                            f"mag dit veld alleen op False of None zetten)")
    # ... and in the form of the zienswijze step, not of another task: a value entered earlier (the voornemen's
    # form offering "betrokkene deed afstand") stays in the case data and counts at the zienswijze step, which then
    # closes the hearing before the subject had the voornemen.
    for node_id, node in graph.nodes.items():
        if node.kind != "userTask" or rules.zienswijze_milestone in milestones[node_id]:
            continue
        form = _properties(node.element).get("form", "")
        written = _form_records(forms.get(form), hearing_fields)
        if written:
            issue(node, f"{rules.hearing_rule}: het formulier {form} van deze taak legt "
                        f"{', '.join(repr(n) for n in written)} vast, maar alleen wie de zienswijze verwerkt (een taak "
                        f"met de mijlpaal '{rules.zienswijze_milestone}') legt vast dat de betrokkene reageerde of "
                        f"schriftelijk afstand deed; elders ingevuld telt het bij de zienswijze-stap mee voordat de "
                        f"betrokkene het voornemen had. Maak het veld hier alleen-lezen (readOnly) of haal het weg")

    # A zienswijze step without a form (a script: "geen zienswijze ontvangen") records that the term ran out; it is
    # lawful only behind the timer of the zienswijze term on a task that carries the milestone (whose term the
    # deadline check holds to the law). Anywhere else it would close the hearing before the subject had the term.
    incoming: dict[str, list[str]] = {}
    for node_id, node in graph.nodes.items():
        for next_id in node.outgoing:
            incoming.setdefault(next_id, []).append(node_id)

    def behind_term_timer(node_id: str) -> bool:
        seen, todo = {node_id}, list(incoming.get(node_id, []))
        if not todo:
            return False
        while todo:
            source_id = todo.pop()
            if source_id in seen:
                continue
            seen.add(source_id)
            source = graph.nodes[source_id]
            if source.kind.endswith("Gateway"):
                todo.extend(incoming.get(source_id, []))
                continue
            host = source.element.get("attachedToRef")
            if source.kind != "boundaryEvent" or source.element.find("./bpmn:timerEventDefinition", NS) is None \
                    or rules.zienswijze_milestone not in milestones.get(host or "", frozenset()):
                return False
        return True

    for node_id, node in graph.nodes.items():
        if rules.zienswijze_milestone in milestones[node_id] and node.kind not in ("userTask", "callActivity") \
                and not behind_term_timer(node_id):
            issue(node, f"{rules.hearing_rule}: deze stap draagt de mijlpaal '{rules.zienswijze_milestone}' zonder "
                        f"formulier (niemand legt er een zienswijze vast), maar volgt niet alleen op de timer van de "
                        f"zienswijzetermijn op de taak die de zienswijze verwerkt: zo wordt 'geen zienswijze' "
                        f"vastgelegd voordat de betrokkene haar termijn kreeg")

    # Milestone presence: the hearing and every declared deadline must exist somewhere.
    everywhere = set().union(*milestones.values()) if milestones else set()
    for name, what in ((rules.voornemen_milestone, "het voornemen"), (rules.zienswijze_milestone, "de zienswijze")):
        if name not in everywhere:
            issues.append(ValidationIssue(MANIFEST_FILE, f"Geen element draagt de mijlpaal '{name}' ({what}); "
                                                         f"{rules.hearing_rule}", "legal_rules"))
    if rules.minutes_review and rules.minutes_review.report_milestone not in everywhere:
        issues.append(ValidationIssue(
            MANIFEST_FILE, f"legal_rules.minutes_review ({rules.minutes_review.source}): geen taak draagt de mijlpaal "
                           f"'{rules.minutes_review.report_milestone}' (het rapport dat op de verslagen wacht)",
            "legal_rules"))
    for deadline in rules.deadlines:
        if deadline.milestone not in everywhere:
            issues.append(ValidationIssue(
                MANIFEST_FILE, f"Wettelijke termijn '{deadline.name}' ({deadline.source}): geen taak draagt de "
                               f"mijlpaal '{deadline.milestone}'", "legal_rules"))

    # Deadlines: every task with the milestone has a boundary timer, and (if declared) an escalation after it.
    for node_id, node in graph.nodes.items():
        for deadline in rules.deadlines:
            if deadline.milestone not in milestones[node_id] or node.kind not in ("userTask", "callActivity"):
                continue
            timers = [graph.nodes[n] for n in node.outgoing if n in graph.nodes
                      and graph.nodes[n].kind == "boundaryEvent"
                      and graph.nodes[n].element.find("./bpmn:timerEventDefinition", NS) is not None]
            # A task that carries several deadlines names on each timer which one it enforces (the timer's own
            # legal_milestone); a timer that names a milestone only counts for that deadline.
            several = len(milestones[node_id] & {d.milestone for d in rules.deadlines}) > 1
            timers = [t for t in timers if deadline.milestone in milestones_of(_properties(t.element))
                      or (not several and not milestones_of(_properties(t.element)))]
            if not timers:
                issue(node, f"Wettelijke termijn '{deadline.name}' ({deadline.source}) heeft geen timer op deze taak")
            elif deadline.escalation and not any(_reaches_user_task(graph, t) for t in timers):
                issue(node, f"Wettelijke termijn '{deadline.name}' ({deadline.source}): na de timer volgt geen "
                            f"escalatie (gebruikerstaak)")
            elif deadline.escalation and not any(_always_reaches_user_task(graph, t) for t in timers):
                issue(node, f"Wettelijke termijn '{deadline.name}' ({deadline.source}): de escalatie na de timer "
                            f"volgt niet op elk pad: een gateway kan de zaak langs de escalatie naar een einde sturen, "
                            f"en dan gaat de termijn voorbij zonder dat iemand het hoort. Leid elke tak na de timer "
                            f"naar een gebruikerstaak")
            # The term each timer computes with: a literal looser than declared is refused here; a term that is no
            # literal (a case value) is held at run time, in the step that arms the timer.
            for timer in timers if deadline.term and deadline.bound else []:
                definition = timer.element.find("./bpmn:timerEventDefinition", NS)
                for expression in definition if definition is not None else []:
                    if not isinstance(expression.tag, str):
                        continue
                    for value, written in _timer_terms(expression.text or "", assignments, settings or {}):
                        if value is None:
                            continue
                        try:
                            bad = looser(value, deadline.term, deadline.bound)
                        except ValueError:
                            continue  # no valid ISO 8601 duration: the run-time check of the set reports it
                        if bad:
                            issue(timer, _term_issue_text(deadline, written, value))
                    # ... and the day it counts from: where the engine counts the term from at every step
                    # (term_starts), else every case would be refused at the step that arms the timer.
                    for call in _timer_calls(expression.text or "", assignments):
                        if starts.verdict(call.start, deadline.milestone) is not False:
                            continue
                        written = f"'{ast.unparse(call.start)}'" if call.start is not None else \
                            "de dag waarop de timer wordt gezet"
                        message = _start_issue_text(deadline, rules, written)
                        where, script = call.origin or (timer, None)
                        line = where.element.sourceline if script is None else \
                            script.sourceline + getattr(call.call, "lineno", 1) - 1
                        found = ValidationIssue(where.file, message, where.element.get("id"), line)
                        if found not in issues:
                            issues.append(found)

    # The watch of a deadline lasts until the task that fulfils it is done. That task (``fulfils``) carries the
    # milestone, so the check above gives it a timer; and for the terms every case set has (the reporter's), a task
    # that carries the milestone without fulfilling it is followed by another task that carries it: the term is
    # never left running with no timer on the way to its fulfilment.
    declared = {d.milestone: d for d in rules.deadlines}
    for node_id, node in graph.nodes.items():
        if node.kind not in ("userTask", "callActivity"):
            continue
        fulfils = frozenset(p.strip() for p in (_properties(node.element).get(FULFILS_PROPERTY) or "").split(",")
                            if p.strip())
        for milestone in sorted(fulfils & set(declared) - milestones[node_id]):
            deadline = declared[milestone]
            issue(node, f"Wettelijke termijn '{deadline.name}' ({deadline.source}): deze taak vervult de termijn "
                        f"(eigenschap '{FULFILS_PROPERTY}'), maar draagt de mijlpaal '{milestone}' niet "
                        f"({MILESTONE_PROPERTY}): zolang zij openstaat, bewaakt geen timer de termijn. Zet de "
                        f"mijlpaal op de taak, met haar timer")
        for milestone in sorted(milestones[node_id] & set(declared) - fulfils):
            floor = rules.floor_for(milestone)
            if floor is None or not floor.required:
                continue
            successors = [n for n in node.outgoing if n in graph.nodes and graph.nodes[n].kind != "boundaryEvent"]
            later = _reachable_after(graph, set(), first=successors)
            if any(milestone in milestones.get(n, frozenset()) and graph.nodes[n].kind in ("userTask", "callActivity")
                   for n in later):
                continue
            deadline = declared[milestone]
            issue(node, f"Wettelijke termijn '{deadline.name}' ({deadline.source}): na deze taak loopt de termijn "
                        f"door, maar geen latere taak draagt de mijlpaal '{milestone}' en deze taak vervult haar niet "
                        f"(eigenschap '{FULFILS_PROPERTY}'): tot de melder bericht krijgt, bewaakt geen timer de "
                        f"termijn. Zet de mijlpaal (met timer) op de taak die haar vervult, en '{FULFILS_PROPERTY}' "
                        f"op die taak")

    # Registration tasks record for reports only: no letter, nothing but an end after them.
    for node_id, node in graph.nodes.items():
        if rules.registration_milestone and rules.registration_milestone in milestones[node_id]:
            if _properties(node.element).get("letter") or any(
                    graph.nodes[n].kind != "endEvent" for n in node.outgoing if n in graph.nodes):
                issue(node, f"Een registratietaak (mijlpaal '{rules.registration_milestone}') mag geen brief sturen "
                            f"en alleen door een eindgebeurtenis worden gevolgd; anders legt zij een straf op zonder "
                            f"voornemen en zienswijze")

    # Penalty paths: walk (node, hearing state) from the main start; state 0 none, 1 voornemen, 2 + zienswijze.
    reported: set[str] = set()
    memo: dict[tuple[str, int], frozenset[int]] = {}

    def advance(node_id: str, state: int) -> int:
        found = milestones[node_id]
        if rules.voornemen_milestone in found:
            return 1
        if rules.zienswijze_milestone in found and state >= 1:
            return 2
        return state

    def run_container(container_id: str, entry: int, stack: tuple[str, ...]) -> frozenset[int]:
        """Hearing states with which the container can end."""
        key = (container_id, entry)
        if key in memo:
            return memo[key]
        if container_id in stack:  # recursion through call activities: assume nothing gained
            return frozenset({entry})
        memo[key] = frozenset({entry})  # provisional, for loops
        exits: set[int] = set()
        seen: set[tuple[str, int]] = set()
        todo = [(s, entry) for s in graph.starts.get(container_id, [])]
        while todo:
            node_id, state = todo.pop()
            if (node_id, state) in seen or node_id not in graph.nodes:
                continue
            seen.add((node_id, state))
            node = graph.nodes[node_id]
            if state < 2 and imposes(node) and node_id not in reported:
                reported.add(node_id)
                issue(node, f"{rules.hearing_rule}: deze taak kan een straf opleggen ({rules.measures_field}) op een "
                            f"pad zonder {'zienswijze' if state == 1 else 'voornemen en zienswijze'}")
            after = [advance(node_id, state)]
            if node.kind == "callActivity" and node.element.get("calledElement") in graph.processes:
                after = sorted(run_container(node.element.get("calledElement"), state, stack + (container_id,)))
                after = [advance(node_id, s) for s in after]
            elif node.kind in CONTAINERS:
                after = [advance(node_id, s) for s in sorted(run_container(node_id, state, stack + (container_id,)))]
            if node.kind == "endEvent":
                exits.add(state)
            for next_id in node.outgoing:
                # a boundary event interrupts the task: the task's own milestone is not passed
                base = [state] if graph.nodes.get(next_id) and graph.nodes[next_id].kind == "boundaryEvent" else after
                todo.extend((next_id, s) for s in base)
        result = frozenset(exits or {entry})
        memo[key] = result
        return result

    for process_id in dict.fromkeys((main_process, *other_processes)):
        if process_id in graph.processes:
            run_container(process_id, 0, ())
    return issues


def _offers_penalty(schema: Any) -> bool:
    """Whether a form has the resolution field or offers a statutory penalty in any of its choices."""
    props = (schema or {}).get("properties") if isinstance(schema, Mapping) else None
    if not isinstance(props, Mapping):
        return False
    if RESOLUTION_FIELD in props:
        return True
    for prop in props.values():
        if not isinstance(prop, Mapping):
            continue
        items = prop.get("items") if isinstance(prop.get("items"), Mapping) else prop
        if any(value in STATUTORY_PENALTIES for value in (items.get("enum") or [])):
            return True
    return False


def statutory_issues(rules: LegalRules | None, trees: Mapping[str, etree._ElementTree],
                     forms: Mapping[str, Mapping]) -> list[ValidationIssue]:
    """The floor no manifest can lower: a process set whose forms or scripts can put a penalty in a case
    (``afdoeningen``, or any choice of a statutory penalty) declares the hearing over that field and every statutory
    penalty, in the statutory order. Without it the engine would check nothing at any step (``legal_rules`` absent),
    guard a field no case reads (``measures.field`` renamed), or let a dropped or reordered penalty be imposed
    without hearing or above the voornemen."""
    scripts = [node.text or "" for tree in trees.values() for node in tree.getroot().iter()
               if isinstance(node.tag, str) and etree.QName(node).localname in ("script", "preScript", "postScript")]
    floor = LegalRules(measures_field=RESOLUTION_FIELD, penalties=STATUTORY_PENALTIES, measures_source="",
                       hearing_source="", voornemen_milestone="", intention_field="", zienswijze_milestone="",
                       answered_field="", waiver_field="", waiver_record_field="", term_field="")
    forms_offering = sorted(path for path, schema in forms.items() if _offers_penalty(schema))
    script_writes = any(_writes_penalty_in_script(s, floor) for s in scripts)
    if not forms_offering and not script_writes:
        return []
    where = f"formulier {forms_offering[0]}" if forms_offering else f"een script dat '{RESOLUTION_FIELD}' zet"
    rule = f"Een straf vereist eerst een voornemen en zienswijze ({STATUTORY_SOURCE})"

    def fail(message: str) -> ValidationIssue:
        return ValidationIssue(MANIFEST_FILE, message, "legal_rules")

    if rules is None:
        return [fail(f"de wettelijke regels ontbreken, maar dit proces kan een straf opleggen ({where}). {rule}: "
                     f"zonder 'legal_rules' toetst de engine dat bij geen enkele stap")]
    out = []
    if rules.measures_field != RESOLUTION_FIELD:
        out.append(fail(f"'measures.field' is '{rules.measures_field}', maar de afdoening van een zaak staat in "
                        f"'{RESOLUTION_FIELD}' (jaarverslag, bewaartermijn, precedenten). {rule}: de regel moet dat "
                        f"veld bewaken"))
    missing = [p for p in STATUTORY_PENALTIES if p not in rules.penalties]
    if missing:
        out.append(fail(f"'measures.penalties' mist de straf{'fen' if len(missing) > 1 else ''} "
                        f"{', '.join(repr(m) for m in missing)} ({STATUTORY_SOURCE}); zonder die straf in de lijst "
                        f"kan zij worden opgelegd zonder voornemen en zienswijze"))
    else:
        order = [p for p in rules.penalties if p in STATUTORY_PENALTIES]
        if order != list(STATUTORY_PENALTIES):
            out.append(fail(f"'measures.penalties' moet de straffen van licht naar zwaar noemen zoals "
                            f"{STATUTORY_SOURCE}: {', '.join(repr(p) for p in STATUTORY_PENALTIES)}; een andere "
                            f"volgorde laat een besluit zwaarder uitvallen dan het voornemen waarop de betrokkene "
                            f"is gehoord"))
    return out


def _reaches_user_task(graph: _Graph, start: _Node) -> bool:
    seen, todo = set(), list(start.outgoing)
    while todo:
        node_id = todo.pop()
        if node_id in seen or node_id not in graph.nodes:
            continue
        seen.add(node_id)
        node = graph.nodes[node_id]
        if node.kind in ("userTask", "callActivity"):
            return True
        todo.extend(node.outgoing)
    return False


_PARALLEL = frozenset({"parallelGateway"})  # every outgoing branch runs


def _always_reaches_user_task(graph: _Graph, start: _Node) -> bool:
    """Whether every path after ``start`` reaches a user task (or a call activity or subprocess doing work) before it
    ends: a choice (exclusive, inclusive, event-based or complex gateway, several flows out of one element) must
    lead there on each branch; of a parallel gateway's branches, which all run, one suffices. Conditions are not
    evaluated: a branch a condition may take counts."""
    memo: dict[str, bool] = {}

    def reaches(node_id: str, stack: frozenset[str]) -> bool:
        node = graph.nodes.get(node_id)
        if node is None or node_id in stack:
            return False  # no such element, or a loop back without work on the way
        if node_id in memo:
            return memo[node_id]
        if node.kind in ("userTask", "callActivity") or node.kind in CONTAINERS:
            result = True
        elif not node.outgoing:
            result = False  # an end (or a dead end)
        elif node.kind in _PARALLEL:
            result = any(reaches(n, stack | {node_id}) for n in node.outgoing)
        else:
            result = all(reaches(n, stack | {node_id}) for n in node.outgoing)
        memo[node_id] = result
        return result

    return bool(start.outgoing) and all(reaches(n, frozenset({start.element.get("id")})) for n in start.outgoing)


# What a user task does in the separation of the investigation from the sanction (DOMAIN §2): it investigates, it
# advises on the sanction, or it decides on the subject. One person does at most one of these in a case.
INVESTIGATES, ADVISES, DECIDES = "onderzoek", "sanctieadvies", "besluit"
PRECEDENTS_PROPERTY = "shows_precedents"  # the task weighs earlier decisions: the sanction advice (DOMAIN §1.4)
DUTY_LABELS = {INVESTIGATES: "onderzoek", ADVISES: "advies over de straf", DECIDES: "besluit over de betrokkene"}


@dataclass(frozen=True)
class SeparatedDuties:
    """The duty (``INVESTIGATES``, ``ADVISES``, ``DECIDES``) of the user tasks of a set, read from what the process
    files declare (``separated_duties``): the engine checks it at every step, also for a version stored without the
    deployment proof (``engine.cases.legal_rules``)."""
    tasks: Mapping[str, str]  # element id -> duty; a task without one is absent
    slots: Mapping[str, str]  # slot (a task's slot, else its role) -> the one duty of the tasks bound to it
    roles: Mapping[str, str]  # role -> INVESTIGATES: the roles (lanes) that investigate

    def of(self, element_id: str | None, slot: str | None, role: str | None, known: bool) -> str | None:
        """The duty of a piece of work: by its task, when the set knows the element (``known``); else (an element
        of an earlier version of the case) by the slot it was bound to or the role it was done in."""
        if known:
            return self.tasks.get(element_id or "")
        return self.slots.get(slot or "") or self.roles.get(role or "")


def _investigation_milestones(rules: LegalRules) -> frozenset[str]:
    """The milestones of investigating work: the report and the review of the minutes (``minutes_review``)."""
    if rules.minutes_review is None:
        return frozenset()
    return frozenset({rules.minutes_review.report_milestone, rules.minutes_review.review_milestone})


def _decision_kind(rules: LegalRules, found: frozenset[str], schema: Any, scripts: list[tuple[str, str]]) -> str:
    """"decides" (the voornemen, or a penalty a person or a script can put in the measures field), "orders" (an order
    measure: ``ordemaatregel`` filled in, an open form, or set by a script) or "" for a user task; the registration
    of the outcome decides nothing."""
    if rules.registration_milestone in found:
        return ""
    if rules.voornemen_milestone in found or _form_allows_penalty(schema, rules) \
            or any(_writes_penalty_in_script(script, rules) for _label, script in scripts):
        return "decides"
    open_form = isinstance(schema, Mapping) and bool(schema.get("additionalProperties", False)) \
        and ORDER_MEASURE_FIELD not in (schema.get("properties") or {})  # an open form takes any field
    if _form_records(schema, (ORDER_MEASURE_FIELD,)) or open_form \
            or any(_assigns(script, ORDER_MEASURE_FIELD) for _label, script in scripts):
        return "orders"
    return ""


def _form_names_penalty(schema: Any, rules: LegalRules, skip: frozenset[str] = frozenset()) -> bool:
    """Whether a person can choose a declared penalty in some field of the form other than ``skip`` (a field the
    form only shows does not count)."""
    props = (schema or {}).get("properties") if isinstance(schema, Mapping) else None
    for name, prop in (props or {}).items() if isinstance(props, Mapping) else ():
        if name in skip or not isinstance(prop, Mapping) or prop.get("readOnly"):
            continue
        items = prop.get("items") if isinstance(prop.get("items"), Mapping) else prop
        if any(value in rules.penalties for value in items.get("enum") or ()):
            return True
    return False


def _investigating(rules: LegalRules, graph: _Graph, tasks: Mapping[str, Any]
                   ) -> tuple[dict[str, frozenset[str]], set[str], set[str]]:
    """The milestones of each node, the roles of the investigating tasks' lanes, and every slot a task of those
    roles or with an investigation milestone is bound to."""
    investigation = _investigation_milestones(rules)
    found = {node_id: milestones_of(_properties(node.element)) for node_id, node in graph.nodes.items()}
    roles = {meta.role for node_id, meta in tasks.items()
             if meta.role and found.get(node_id, frozenset()) & investigation}
    slots = {meta.slot for node_id, meta in tasks.items()
             if meta.slot and (meta.role in roles or found.get(node_id, frozenset()) & investigation)}
    return found, roles, slots


def separated_duties(rules: LegalRules | None, trees: Mapping[str, etree._ElementTree],
                     forms: Mapping[str, Mapping], tasks: Mapping[str, Any]) -> SeparatedDuties | None:
    """Which user tasks investigate, advise on the sanction or decide on the subject, as ``separation_issues``
    reads them: a task that decides (the voornemen milestone, a penalty in the measures field, an order measure) or
    on which a person fills in the voornemen's penalty (the intention field) decides; a task with an investigation
    milestone (``minutes_review``'s report and review) or in the lane of such a task investigates; a task that weighs
    the precedents (``shows_precedents``) or on which a person chooses a declared penalty in another field (the
    advice, not the decision nor the registration of the outcome) advises. A task with none of these does what the
    other tasks bound to its slot (its slot, else its role) do, when they all do the same: the competent authority's
    slot decides (also where it gives the investigation assignment), an investigator's slot investigates. None
    without legal rules or an investigation milestone."""
    if rules is None or not _investigation_milestones(rules):
        return None
    graph = _Graph(trees)
    found, investigating_roles, _slots = _investigating(rules, graph, tasks)
    own: dict[str, str] = {}
    for node_id, node in graph.nodes.items():
        meta = tasks.get(node_id)
        if meta is None or node.kind != "userTask":
            continue
        schema = forms.get(meta.form or "")
        if _decision_kind(rules, found[node_id], schema, _scripts_of(node.element)) \
                or _form_records(schema, (rules.intention_field,)):
            own[node_id] = DECIDES
        elif meta.role in investigating_roles or found[node_id] & _investigation_milestones(rules):
            own[node_id] = INVESTIGATES
        elif (_properties(node.element).get(PRECEDENTS_PROPERTY) or "").strip().lower() == "true" \
                or _form_names_penalty(schema, rules, frozenset({rules.measures_field, rules.intention_field})):
            own[node_id] = ADVISES
    by_slot: dict[str, set[str]] = {}
    for node_id, duty in own.items():
        meta = tasks[node_id]
        by_slot.setdefault(meta.slot or meta.role or "", set()).add(duty)
    slots = {slot: next(iter(duties)) for slot, duties in by_slot.items() if slot and len(duties) == 1}
    out = dict(own)
    for node_id, node in graph.nodes.items():
        meta = tasks.get(node_id)
        if meta is not None and node.kind == "userTask" and node_id not in out \
                and (meta.slot or meta.role or "") in slots:
            out[node_id] = slots[meta.slot or meta.role or ""]
    return SeparatedDuties(tasks=out, slots=slots, roles={role: INVESTIGATES for role in investigating_roles})


def separation_issues(rules: LegalRules, trees: Mapping[str, etree._ElementTree], forms: Mapping[str, Mapping],
                      tasks: Mapping[str, Any], exclusive_slots: frozenset[str],
                      roles: Mapping[str, str]) -> list[ValidationIssue]:
    """Separation of duties over the decision on the subject (DOMAIN §2: the investigator never decides; the
    competent authority decides the order measures and the resolution and acts in no other role on the case). A
    decision task is a user task that carries the voornemen milestone or may impose a penalty (as the hearing proof
    reads it), or that decides an order measure (a person fills in ``ordemaatregel``, or its scripts set it: the
    subject's suspension or ban from the workplace during the investigation); an investigating task carries the
    report or minutes-review milestone of ``minutes_review``. The roles of the investigating tasks' lanes, and every
    slot a task of those roles is bound to, investigate. A decision task bound to such a slot or placed in such a
    role is refused, and so is one whose slot is not exclusive (nothing would keep an investigator of the case from
    taking it). Since the run-time rule works by slots, every other investigating task must be bound to an exclusive
    slot (else its doer holds none and may take the decider's), and a task outside the investigation (the sanction
    advice, the consent of the confidential adviser, the objection) may not share an investigator's slot; the task
    that records the reporter's consent (``CONSENT_FIELD``: the confidential adviser's, who never investigates) is
    bound to an exclusive slot, or its doer could take an investigator's. (The engine
    also checks, at every step and whatever the slots, that nobody both investigates, advises and decides in one
    case: ``separated_duties``.)"""
    investigation = _investigation_milestones(rules)
    if not investigation:
        return []
    graph = _Graph(trees)
    props, investigating_roles, investigating_slots = _investigating(rules, graph, tasks)
    rule = "Functiescheiding: wie de zaak onderzocht, besluit niet over de betrokkene (separation_of_duties)"
    out: list[ValidationIssue] = []
    for node_id, node in graph.nodes.items():
        meta = tasks.get(node_id)
        if meta is None or node.kind != "userTask":
            continue
        found = props[node_id]
        role_name = roles.get(meta.role or "", meta.role or "")
        kind_of = _decision_kind(rules, found, forms.get(meta.form or ""), _scripts_of(node.element))
        decides, orders = kind_of == "decides", kind_of == "orders"

        def refuse(message: str) -> None:
            out.append(ValidationIssue(node.file, f"{rule}: {message}", node_id, node.element.sourceline))

        if not decides and not orders:
            # The run-time rule keeps a person to one exclusive slot per case. It keeps whoever investigated from
            # deciding, advising on the penalty or handling the objection only when every investigating task binds
            # its doer to an exclusive slot, and no task outside the investigation shares that slot (DOMAIN §2).
            if meta.role in investigating_roles or found & investigation:
                if not meta.slot or meta.slot not in exclusive_slots:
                    refuse(f"deze onderzoekstaak is gebonden aan "
                           f"{repr(meta.slot) if meta.slot else 'geen plaats'}, geen plaats uit "
                           f"'separation_of_duties.exclusive_slots'; wie haar doet, is in de zaak aan geen "
                           f"exclusieve plaats gebonden en kan daarna als bevoegd gezag over de betrokkene besluiten "
                           f"of over de straf adviseren. Bind haar aan een plaats van de onderzoekers (zoals "
                           f"'onderzoeker_1')")
            elif meta.slot in investigating_slots:
                refuse(f"deze taak (rol '{role_name}') is gebonden aan '{meta.slot}', de plaats van een onderzoeker "
                       f"van de zaak: zo doet wie onderzocht ook deze taak buiten het onderzoek (het onderzoek staat "
                       f"los van advies, besluit en bezwaar); bind haar aan een eigen plaats")
            elif _form_records(forms.get(meta.form or ""), (CONSENT_FIELD,)) \
                    and (not meta.slot or meta.slot not in exclusive_slots):
                # DOMAIN §2: the confidential adviser passes a report on with consent and never investigates; a
                # person holding no exclusive slot in the case may take an investigator's
                refuse(f"de taak '{node.element.get('name') or node_id}' van de vertrouwenspersoon (legt de "
                       f"toestemming van de melder vast, '{CONSENT_FIELD}') is gebonden aan "
                       f"{repr(meta.slot) if meta.slot else 'geen plaats'}, geen plaats uit "
                       f"'separation_of_duties.exclusive_slots'; wie haar doet, kan daarna in dezelfde zaak de plaats "
                       f"van een onderzoeker innemen, maar een vertrouwenspersoon onderzoekt nooit. Bind haar aan een "
                       f"exclusieve plaats (zoals 'vertrouwenspersoon')")
            continue
        kind = "besluitvormende taak" if decides else f"taak, die over een ordemaatregel beslist ('{ORDER_MEASURE_FIELD}'),"
        if meta.role in investigating_roles:
            refuse(f"deze {kind} ligt in de baan '{role_name}', de rol die de zaak onderzoekt")
        elif meta.slot in investigating_slots:
            refuse(f"deze {kind} is gebonden aan '{meta.slot}', de plaats van een onderzoeker van de "
                   f"zaak; bind haar aan de plaats van het bevoegd gezag")
        elif not meta.slot or meta.slot not in exclusive_slots:
            refuse(f"deze {kind} heeft {'plaats ' + repr(meta.slot) if meta.slot else 'geen plaats'} "
                   f"uit 'separation_of_duties.exclusive_slots'; zonder exclusieve plaats kan een onderzoeker van de "
                   f"zaak haar oppakken")
    return out


def intention_issues(rules: LegalRules, trees: Mapping[str, etree._ElementTree], forms: Mapping[str, Mapping],
                     tasks: Mapping[str, Any]) -> list[ValidationIssue]:
    """The intention field (``hearing.voornemen.measures_field``) is what the hoorplicht reads as the penalty the
    subject was heard on: the run-time rule lets the decision go as far as that field went at the voornemen. So only
    the competent authority who sends the voornemen fills it in: the tasks carrying the voornemen milestone, or a user
    task bound to the same slot (the decision that precedes the letter). A field another task writes (the HR
    adviser's advised penalty, a script, a start form) or nobody writes at the voornemen's side would let a heavier
    penalty pass as 'heard' though the subject never had that intention."""
    field_name = rules.intention_field
    graph = _Graph(trees)
    found = {node_id: milestones_of(_properties(node.element)) for node_id, node in graph.nodes.items()}
    voornemen = {node_id for node_id, names in found.items() if rules.voornemen_milestone in names}
    slots = {tasks[n].slot for n in voornemen if n in tasks and tasks[n].slot}
    slot_words = ", ".join(repr(s) for s in sorted(slots)) or "geen plaats"
    why = (f"de engine leest de straf waarop de betrokkene bij het voornemen (mijlpaal "
           f"'{rules.voornemen_milestone}') is gehoord uit '{field_name}' (legal_rules.hearing.voornemen."
           f"measures_field); dat veld mag alleen het bevoegd gezag invullen dat het voornemen doet (een taak met die "
           f"mijlpaal of gebonden aan {slot_words}), anders gaat een zwaardere straf door als 'gehoord' terwijl de "
           f"betrokkene nooit een voornemen daarover kreeg")
    out: list[ValidationIssue] = []
    own_writer = False
    for node_id, node in graph.nodes.items():
        meta = tasks.get(node_id)
        form = _properties(node.element).get("form", "")
        schema = forms.get(form) if form else None
        open_form = isinstance(schema, Mapping) and bool(schema.get("additionalProperties", False)) \
            and field_name not in (schema.get("properties") or {})
        by_form = bool(_form_records(schema, (field_name,))) or open_form
        by_script = [label for label, script in _scripts_of(node.element) if _assigns(script, field_name)]
        if not by_form and not by_script:
            continue
        competent = node_id in voornemen or (node.kind == "userTask" and meta is not None and meta.slot in slots)
        if competent:
            own_writer = True
            continue
        name = node.element.get("name") or node_id
        how = f"het formulier {form}" if by_form else by_script[0]
        where = f"plaats '{meta.slot}'" if meta is not None and meta.slot else "geen plaats van het bevoegd gezag"
        out.append(ValidationIssue(node.file, f"{rules.hearing_rule}: in de taak '{name}' ({where}) vult {how} "
                                              f"'{field_name}' in, maar {why}",
                                   node_id, node.element.sourceline))
    if not own_writer and voornemen:
        out.append(ValidationIssue(MANIFEST_FILE, f"{rules.hearing_rule}: geen taak van het voornemen vult "
                                                  f"'{field_name}' in, maar {why}", "legal_rules"))
    return out


# Elements that watch a term rather than do the work of a milestone: a boundary or catch timer names the deadline
# it guards by the milestone (``deadlines``), and sends nothing.
_WATCHERS = frozenset({"boundaryEvent", "intermediateCatchEvent"})


def written_notice_issues(rules: LegalRules, trees: Mapping[str, etree._ElementTree],
                          catalogue: Any = None) -> list[ValidationIssue]:
    """``written_notices``: every element that carries a declared milestone (a task; not a timer watching its term)
    sends a letter (``letter``) whose ``ontvanger`` in letters.json is the declared recipient, declared for that
    recipient (``letter_recipient``, the address the engine renders it for). The recipient is one letters.json
    knows, and some element carries the milestone (a rule over a milestone nobody carries enforces nothing)."""
    if not rules.written_notices:
        return []
    from documents.catalog import catalogue_or_default  # the letters' own declaration

    known = catalogue_or_default(catalogue)
    letters = known.letters
    recipients = sorted(set(known.whitelists) | {spec.recipient for spec in letters.values()})
    graph = _Graph(trees)
    out: list[ValidationIssue] = []
    for notice in rules.written_notices:
        if notice.recipient not in recipients:
            out.append(ValidationIssue(MANIFEST_FILE, f"'written_notices' van mijlpaal '{notice.milestone}': onbekende "
                                                      f"ontvanger '{notice.recipient}' (de brieven in letters.json "
                                                      f"gaan aan: {', '.join(recipients)})", "legal_rules"))
            continue
        carriers = [node for node in graph.nodes.values()
                    if notice.milestone in milestones_of(_properties(node.element))]
        if not carriers:
            out.append(ValidationIssue(MANIFEST_FILE, f"{notice.rule}: geen taak in de processen draagt die mijlpaal "
                                                      f"(eigenschap '{MILESTONE_PROPERTY}'), dus de regel toetst "
                                                      f"niets", "legal_rules"))
        for node in carriers:
            if node.kind in _WATCHERS:
                continue
            props = _properties(node.element)
            problem = written_notice_problem(notice, props.get("letter"), props.get("letter_recipient"), letters)
            if problem:
                name = node.element.get("name") or node.element.get("id")
                out.append(ValidationIssue(node.file, f"{notice.rule}: de taak '{name}' {problem}",
                                           node.element.get("id"), node.element.sourceline))
    return out



def intention_letter_issues(rules: LegalRules, trees: Mapping[str, etree._ElementTree],
                            shown: Callable[[str], set[str] | None], catalogue: Any = None) -> list[ValidationIssue]:
    """The letter that makes the voornemen known in writing (``written_notices`` on the voornemen milestone) shows
    the intended penalty: its template always renders the intention field (``hearing.voornemen.measures_field``),
    a ``{{ … }}`` on the letter's own level (``documents.render.shown_names``). The hoorplicht lets the decision go
    as far as that field went at the voornemen; a letter that does not show it (a process owner edited the
    template, or pointed the task at another letter) has the subject 'heard' on a penalty he was never told.
    ``shown``: a letter name → the names its template always shows, ``None`` when there is no readable template
    (the template check reports that). A task whose letter fails ``written_notices`` is reported there."""
    notices = [n for n in rules.written_notices if n.milestone == rules.voornemen_milestone]
    if not notices:
        return []
    from documents.catalog import catalogue_or_default  # the letters' own declaration

    letters = catalogue_or_default(catalogue).letters
    field_name = rules.intention_field
    graph = _Graph(trees)
    out: list[ValidationIssue] = []
    for notice in notices:
        for node in graph.nodes.values():
            if node.kind in _WATCHERS or notice.milestone not in milestones_of(_properties(node.element)):
                continue
            props = _properties(node.element)
            letter = props.get("letter")
            if written_notice_problem(notice, letter, props.get("letter_recipient"), letters):
                continue
            names = shown(letter)
            if names is None or field_name in names:
                continue
            name = node.element.get("name") or node.element.get("id")
            out.append(ValidationIssue(node.file, (
                f"{rules.hearing_rule}: de taak '{name}' (mijlpaal '{notice.milestone}') verstuurt brief '{letter}', "
                f"maar het sjabloon letters/{letter}.docx toont de voorgenomen straf niet: er staat geen "
                f"{{{{ {field_name} }}}} in dat de brief altijd laat zien (het veld '{field_name}', "
                f"legal_rules.hearing.voornemen.measures_field; niet alleen binnen {{% if %}}, een {{% for %}} over "
                f"iets anders, een macro of een filter als length). De betrokkene wordt gehoord op de straf die in "
                f"'{field_name}' staat; zonder die straf in de brief is hij gehoord op een straf die hem nooit is "
                f"meegedeeld"), node.element.get("id"), node.element.sourceline))
    return out

def written_notice_problem(notice: WrittenNotice, letter: str | None, recipient: str | None,
                           letters: Mapping[str, Any]) -> str:
    """Why a task with ``letter`` for ``recipient`` does not make ``notice`` known in writing ("" when it does);
    Dutch, after "de taak 'NAAM' …". ``letters``: letters.json's letters (name → spec with ``recipient``)."""
    if not letter:
        return "verklaart geen brief (eigenschap 'letter'); zonder brief is het nooit schriftelijk meegedeeld"
    spec = letters.get(letter)
    if spec is None:
        return f"verstuurt brief '{letter}', die niet in letters.json staat"
    if spec.recipient != notice.recipient:
        return f"verstuurt brief '{letter}', een brief aan '{spec.recipient}'"
    if recipient != notice.recipient:
        return (f"verklaart voor brief '{letter}' ontvanger '{recipient or ''}' (eigenschap 'letter_recipient'), "
                f"niet '{notice.recipient}'")
    return ""


# --------------------------------------------------------------------------- art. 162 Sv: the aangifte

# The field in which a person records whether the facts may be a crime by an official (art. 162 Sv); the case
# summary reads it (engine.cases.service.SUMMARY_KEYS) beside AANGIFTE_FIELDS.
ASSESSMENT_FIELD = "strafbaar_feit"
AANGIFTE_SOURCE = "Art. 162 Sv: een mogelijk strafbaar feit door een ambtenaar wordt onverwijld aangegeven en het " \
                  "systeem legt vast dat en wanneer"
_CHOICES = frozenset({"exclusiveGateway", "inclusiveGateway", "complexGateway"})


def _truth(expression: str, known: Mapping[str, Any]) -> bool | None:
    """The value of a flow condition when the names in ``known`` have those values: True or False when that decides
    it, None when it depends on anything else (or cannot be read)."""
    try:
        tree = ast.parse((expression or "").strip(), mode="eval")
    except SyntaxError:
        return None
    missing = object()

    def value(node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return known.get(node.id, missing)
        return missing

    def truth(node: ast.AST) -> bool | None:
        if isinstance(node, ast.BoolOp):
            verdicts = [truth(v) for v in node.values]
            return _all(verdicts) if isinstance(node.op, ast.And) else _any(verdicts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = truth(node.operand)
            return None if inner is None else not inner
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            left, right = value(node.left), value(node.comparators[0])
            if left is missing or right is missing:
                return None
            op = node.ops[0]
            if isinstance(op, (ast.Eq, ast.Is)):
                return left == right
            if isinstance(op, (ast.NotEq, ast.IsNot)):
                return left != right
            return None
        found = value(node)
        return None if found is missing else bool(found)

    return truth(tree.body)


def aangifte_issues(trees: Mapping[str, etree._ElementTree], forms: Mapping[str, Mapping],
                    main_process: str | None = None) -> list[ValidationIssue]:
    """Art. 162 Sv in every set with legal rules (the sets that handle integrity reports): a person decides whether
    the facts may be a crime by an official (the field in a form, writable and required; no script or decision
    table writes it), on every path of a case from the start of ``main_process`` to its end; once that person says
    yes, every path reaches a task that records the aangifte before the case ends (a gateway's condition read with
    the assessment 'yes': a branch that does not plainly depend on it only on that answer counts as possible); and
    that task cannot be completed without an aangifte made and its date. The set must have both tasks under these
    field names (the case summary and the reports read them): a set that renames or drops them assesses art. 162
    nowhere the system can see."""
    graph = _Graph(trees)
    out: list[ValidationIssue] = []

    def schema_of(node: _Node) -> Any:
        return forms.get(_properties(node.element).get("form", "")) if node.kind == "userTask" else None

    def required(schema: Any) -> list[str]:
        names = schema.get("required") if isinstance(schema, Mapping) else None
        return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []

    def issue(node: _Node, message: str) -> None:
        out.append(ValidationIssue(node.file, f"{AANGIFTE_SOURCE}. {message}", node.element.get("id"),
                                   node.element.sourceline))

    recorders = {n: node for n, node in graph.nodes.items()
                 if node.kind == "userTask" and _form_records(schema_of(node), AANGIFTE_FIELDS)}
    assessors = {n: node for n, node in graph.nodes.items()
                 if node.kind == "userTask" and _form_records(schema_of(node), (ASSESSMENT_FIELD,))}
    def set_issue(message: str) -> None:
        out.append(ValidationIssue(MANIFEST_FILE, f"{AANGIFTE_SOURCE}. {message}", "legal_rules"))

    gedaan, datum = AANGIFTE_FIELDS
    if not assessors and not recorders:
        set_issue(f"Geen persoon beoordeelt of de feiten een strafbaar feit kunnen zijn: geen taak heeft "
                  f"'{ASSESSMENT_FIELD}' als invulveld in haar formulier. Een processet met 'legal_rules' behandelt "
                  f"integriteitsmeldingen: elke melding wordt daarop beoordeeld, onder deze naam (de zaak en de "
                  f"rapportages lezen '{ASSESSMENT_FIELD}'; een ander veld telt niet)")
        set_issue(f"Geen taak legt de aangifte vast: geen formulier vraagt '{gedaan}' en '{datum}'. Een processet "
                  f"met 'legal_rules' moet een taak hebben waarin iemand verplicht vastlegt dat ('{gedaan}', alleen "
                  f"ja) en wanneer ('{datum}') de aangifte is gedaan, en die taak volgt op elk pad waarop "
                  f"'{ASSESSMENT_FIELD}' ja is (de zaak, de rapportages en de wettelijke termijn lezen deze namen)")
        return out

    # The aangifte task: it cannot record 'no aangifte', nor leave out when it was made.
    for node in recorders.values():
        schema = schema_of(node)
        form = _properties(node.element).get("form", "")
        prop = (schema.get("properties") or {}).get(gedaan) if isinstance(schema, Mapping) else None
        if not (isinstance(prop, Mapping) and prop.get("const") is True and gedaan in required(schema)):
            issue(node, f"Het formulier {form} laat deze taak afronden zonder dat de aangifte is gedaan: "
                        f"'{gedaan}' moet verplicht zijn en alleen 'ja' toestaan (\"const\": true); zo stopt de "
                        f"termijn zonder aangifte")
        if datum not in required(schema) or not _form_records(schema, (datum,)):
            issue(node, f"Het formulier {form} legt niet verplicht vast wanneer de aangifte is gedaan: maak "
                        f"'{datum}' een verplicht invulveld")

    # A person decides the assessment.
    if recorders and not assessors:
        for node in recorders.values():
            issue(node, f"Geen persoon beoordeelt of de feiten een strafbaar feit kunnen zijn: geen taak heeft "
                        f"'{ASSESSMENT_FIELD}' als invulveld in haar formulier")
    for node in assessors.values():
        if ASSESSMENT_FIELD not in required(schema_of(node)):
            issue(node, f"Het formulier {_properties(node.element).get('form', '')} laat '{ASSESSMENT_FIELD}' "
                        f"leeg: een persoon moet verplicht beoordelen of de feiten een strafbaar feit kunnen zijn")
    for node_id, node in graph.nodes.items():
        if any(_assigns(script, ASSESSMENT_FIELD) for _label, script in _scripts_of(node.element)):
            issue(node, f"Een script zet '{ASSESSMENT_FIELD}': of de feiten een strafbaar feit kunnen zijn, beoordeelt "
                        f"een persoon (in het formulier van de taak die het vraagt), niet het proces")
    for path, tree in trees.items():
        if path.endswith(".dmn"):
            for output in tree.getroot().iter("{*}output"):
                if output.get("name") == ASSESSMENT_FIELD:
                    out.append(ValidationIssue(
                        path, f"{AANGIFTE_SOURCE}. Een beslistabel zet '{ASSESSMENT_FIELD}': dat beoordeelt een "
                              f"persoon, niet het proces", output.get("id"), output.sourceline))
    if assessors and main_process is not None:  # every case is weighed: no path of the main process goes around
        walk = _PathWalk(trees, graph, set(assessors), {})
        where = ", ".join(f"'{assessors[n].element.get('id')}'" for n in sorted(assessors))
        for start_id in graph.starts.get(main_process, []):
            for gate, end in walk.escapes(start_id):
                culprit = gate or end
                what = (f"de keuze '{gate.element.get('name') or gate.element.get('id')}' kan de zaak afsluiten "
                        f"zonder die beoordeling" if gate is not None else
                        f"de zaak kan eindigen bij '{end.element.get('name') or end.element.get('id')}' zonder die "
                        f"beoordeling")
                issue(culprit, f"Niet elk pad door de zaak komt langs de taak waarin een persoon beoordeelt of de "
                               f"feiten een strafbaar feit kunnen zijn ('{ASSESSMENT_FIELD}': {where}): {what}. Elke "
                               f"melding wordt daarop beoordeeld, welke route de zaak ook neemt")
    if not recorders:
        for node in assessors.values():
            issue(node, f"Deze taak beoordeelt '{ASSESSMENT_FIELD}', maar geen taak legt de aangifte vast: geen "
                        f"formulier vraagt '{gedaan}' en '{datum}'. Een processet met 'legal_rules' moet een taak "
                        f"hebben waarin iemand verplicht vastlegt dat ('{gedaan}', alleen ja) en wanneer ('{datum}') "
                        f"de aangifte is gedaan, op elk pad waarop '{ASSESSMENT_FIELD}' ja is (de zaak, de "
                        f"rapportages en de wettelijke termijn lezen deze namen)")
        return out

    # Once a person says yes, every path reaches the aangifte before the case ends.
    walk = _PathWalk(trees, graph, set(recorders), {ASSESSMENT_FIELD: True})
    where = ", ".join(f"'{recorders[n].element.get('id')}'" for n in sorted(recorders))
    for node_id, start in assessors.items():
        for gate, end in walk.escapes(node_id):
            what = (f"de keuze '{gate.element.get('name') or gate.element.get('id')}' kan ook zonder de aangifte "
                    f"verder" if gate is not None else
                    f"na deze taak kan de zaak eindigen ('{end.element.get('name') or end.element.get('id')}') "
                    f"zonder de aangifte")
            issue(gate or start, f"Ook als '{ASSESSMENT_FIELD}' ja is, bereikt niet elk pad de taak die de "
                                 f"aangifte vastlegt ({where}): {what}; de voorwaarde naar de aangifte mag alleen "
                                 f"van '{ASSESSMENT_FIELD}' afhangen")
    return out


class _PathWalk:
    """Whether every path a token may take after a node reaches one of ``targets`` before its process ends (into
    called processes and subprocesses and back out to the caller). A gateway's condition is read with the names in
    ``known`` (``_truth``): a branch it rules out is not taken, any other may be; a default flow only when no other
    branch is certain. Of a parallel gateway's branches, which all run, one suffices; a non-interrupting timer's
    branch is extra (the task's own path still runs), an interrupting one replaces it."""

    def __init__(self, trees: Mapping[str, etree._ElementTree], graph: _Graph, targets: set[str],
                 known: Mapping[str, Any]):
        self.graph, self.targets, self.known = graph, targets, known
        self.flows: dict[str, list[tuple[str, str, str | None]]] = {}  # source -> (flow id, target, condition)
        for tree in trees.values():
            for flow in tree.getroot().iter(f"{{{NS['bpmn']}}}sequenceFlow"):
                condition = flow.find("bpmn:conditionExpression", NS)
                self.flows.setdefault(flow.get("sourceRef"), []).append(
                    (flow.get("id"), flow.get("targetRef"), None if condition is None else condition.text or ""))
        self.callers: dict[str, list[str]] = {}
        for node_id, node in graph.nodes.items():
            if node.kind == "callActivity":
                self.callers.setdefault(node.element.get("calledElement"), []).append(node_id)
        # key -> (reaches, the escapes it found): a later visit that misses names them again (the first one's may
        # have been forgiven because a parallel sibling reached, while this visit has no such sibling)
        self.memo: dict[tuple, tuple[bool, list[tuple[_Node | None, _Node]]]] = {}
        self.found: list[tuple[_Node | None, _Node]] = []
        self._blamed: set[str | None] = set()

    def next_of(self, node_id: str, node: _Node) -> list[str]:
        graph = self.graph
        if node.kind not in _CHOICES:
            return [n for n in node.outgoing
                    if not (n in graph.nodes and graph.nodes[n].kind == "boundaryEvent"
                            and graph.nodes[n].element.get("cancelActivity", "true") == "false")]
        own = self.flows.get(node_id, [])
        default = node.element.get("default")
        verdicts = {flow_id: (None if condition is None else _truth(condition, self.known))
                    for flow_id, _t, condition in own if flow_id != default}
        taken = [target for flow_id, target, _c in own if flow_id != default and verdicts[flow_id] is not False]
        if default and True not in verdicts.values():
            taken += [target for flow_id, target, _c in own if flow_id == default]
        return taken

    def _decides_target(self, node_id: str) -> bool:
        """Whether the choice decides on a target: one of its branches can lead to one and another cannot."""
        leads = {bool(target in self.targets or _reachable_after(self.graph, set(), [target]) & self.targets)
                 for _f, target, _c in self.flows.get(node_id, [])}
        return leads == {True, False}

    def escapes(self, after: str) -> list[tuple[_Node | None, _Node]]:
        """(the choice that could have led to a target and need not, or None; the end reached) for each way out
        after node ``after`` that misses every target."""
        self.found = []
        node = self.graph.nodes[after]
        missed = not all([self.reaches(n, (), frozenset(), None) for n in self.next_of(after, node)])
        if missed and not self.found:  # its end was first met (and remembered) beside a branch that reached
            self.found.append((None, node))
        return self.found

    def reaches(self, node_id: str, returns: tuple[str, ...], stack: frozenset, gate: _Node | None) -> bool:
        key = (node_id, returns, None if gate is None else gate.element.get("id"))
        if key not in self.memo:
            before = len(self.found)
            reached = self._walk(node_id, returns, stack, gate)
            self.memo[key] = (reached, list(self.found[before:]))
            return reached
        reached, escapes = self.memo[key]
        if not reached:
            for blamed_gate, end in escapes:
                blame = None if blamed_gate is None else blamed_gate.element.get("id")
                if blame not in self._blamed:
                    self._blamed.add(blame)
                    self.found.append((blamed_gate, end))
        return reached

    def _walk(self, node_id: str, returns: tuple[str, ...], stack: frozenset, gate: _Node | None) -> bool:
        graph = self.graph
        node = graph.nodes.get(node_id)
        if node is None or node_id in self.targets:
            return True  # a broken reference is reported elsewhere
        if (node_id, returns) in stack:
            return True  # a loop back: the way out of it is walked on its own
        stack = stack | {(node_id, returns)}
        if gate is None and node.kind in _CHOICES and len(self.flows.get(node_id, [])) > 1 \
                and self._decides_target(node_id):
            gate = node  # the choice between a target and a way around it
        called = node.element.get("calledElement") if node.kind == "callActivity" else None
        if called and graph.starts.get(called):
            return all([self.reaches(s, (node_id, *returns), stack, gate) for s in graph.starts[called]])
        if node.kind in CONTAINERS and graph.starts.get(node_id):
            return all([self.reaches(s, (node_id, *returns), stack, gate) for s in graph.starts[node_id]])
        following = self.next_of(node_id, node)
        if node.kind == "endEvent" or not following:
            if node.kind != "endEvent":
                return True  # a dead end (or a choice nothing leaves) is reported by the structure checks
            container = graph.container.get(node_id, "")
            if returns:
                return all([self.reaches(n, returns[1:], stack, gate) for n in graph.nodes[returns[0]].outgoing])
            if container in graph.nodes:  # an embedded subprocess
                return all([self.reaches(n, (), stack, gate) for n in graph.nodes[container].outgoing])
            outer = self.callers.get(container, [])
            if outer:
                return all([self.reaches(n, (), stack, gate) for c in outer for n in graph.nodes[c].outgoing])
            blame = None if gate is None else gate.element.get("id")
            if blame not in self._blamed:
                self._blamed.add(blame)
                self.found.append((gate, node))
            return False
        if node.kind in _PARALLEL:
            before = len(self.found)
            if any([self.reaches(n, returns, stack, gate) for n in following]):
                for blamed_gate, _end in self.found[before:]:  # a sibling branch reaches a target
                    self._blamed.discard(None if blamed_gate is None else blamed_gate.element.get("id"))
                del self.found[before:]
                return True
            if any(blamed_gate is not None for blamed_gate, _end in self.found[before:]):
                self.found[before:] = [f for f in self.found[before:] if f[0] is not None]  # the choice says it
            return False
        return all([self.reaches(n, returns, stack, gate) for n in following])


def reporter_path_issues(rules: LegalRules, trees: Mapping[str, etree._ElementTree],
                         main_process: str) -> list[ValidationIssue]:
    """The reporter's terms (``STATUTORY_TERMS`` with ``required``) are promised to every reporter: every path of
    a case, from the start of the main process to its end, passes a task that fulfils each of them (``fulfils``),
    whatever a gateway chooses. A branch around that task leaves its timer unarmed: nobody is told, the reporter
    hears nothing."""
    graph = _Graph(trees)
    process = graph.processes.get(main_process)
    if process is None:
        return []
    by_milestone = {d.milestone: d for d in rules.deadlines}
    out: list[ValidationIssue] = []
    for floor in STATUTORY_TERMS:
        if not floor.required:
            continue
        targets = {node_id for node_id, node in graph.nodes.items()
                   if floor.milestone in {p.strip() for p in
                                          (_properties(node.element).get(FULFILS_PROPERTY) or "").split(",")}}
        if not targets:
            continue  # reported by the proof of the deadlines
        declared = by_milestone.get(floor.milestone)
        label = (f"Wettelijke termijn '{declared.name}' ({declared.source})" if declared is not None
                 else f"Wettelijke termijn voor mijlpaal '{floor.milestone}' ({floor.source})")
        where = ", ".join(f"'{graph.nodes[n].element.get('id')}'" for n in sorted(targets))
        walk = _PathWalk(trees, graph, targets, {})
        for start_id in graph.starts.get(main_process, []):

            for gate, end in walk.escapes(start_id):
                culprit = gate or end
                what = (f"de keuze '{gate.element.get('name') or gate.element.get('id')}' kan de zaak afsluiten "
                        f"zonder die taak" if gate is not None else
                        f"de zaak kan eindigen bij '{end.element.get('name') or end.element.get('id')}' zonder die "
                        f"taak")
                out.append(ValidationIssue(
                    culprit.file, f"{label}: niet elk pad door de zaak bereikt een taak die de mijlpaal "
                                  f"'{floor.milestone}' vervult ({where}): {what}. Elke melder heeft daar recht op, "
                                  f"welke route de zaak ook neemt", culprit.element.get("id"),
                    culprit.element.sourceline))
    return out


# --------------------------------------------------------------------------- the confidant passes on with consent

# The intake's fields (engine.intake): whether a report came through the vertrouwenspersoon, and the reporter's
# consent to pass it on, which the confidant's own task records.
CHANNEL_FIELD = "via_vertrouwenspersoon"
CONSENT_FIELD = "toestemming_doorgeven"
CONSENT_RULE = "Een vertrouwenspersoon geeft een melding alleen door met toestemming van de melder"


def consent_issues(trees: Mapping[str, etree._ElementTree], forms: Mapping[str, Mapping]) -> list[ValidationIssue]:
    """A report that came through the vertrouwenspersoon (``CHANNEL_FIELD`` yes) always reaches a task in which
    the reporter's consent is recorded (``CONSENT_FIELD``, required and only 'yes'); no script gives it."""
    graph = _Graph(trees)

    def schema_of(node: _Node) -> Any:
        return forms.get(_properties(node.element).get("form", "")) if node.kind == "userTask" else None

    channels = {n: node for n, node in graph.nodes.items() if _form_records(schema_of(node), (CHANNEL_FIELD,))}
    recorders = {n: node for n, node in graph.nodes.items() if _form_records(schema_of(node), (CONSENT_FIELD,))}
    out: list[ValidationIssue] = []

    def issue(node: _Node, message: str) -> None:
        out.append(ValidationIssue(node.file, f"{CONSENT_RULE}. {message}", node.element.get("id"),
                                   node.element.sourceline))

    for node in recorders.values():
        schema = schema_of(node)
        prop = (schema.get("properties") or {}).get(CONSENT_FIELD)
        names = schema.get("required") if isinstance(schema.get("required"), list) else []
        if not (isinstance(prop, Mapping) and prop.get("const") is True and CONSENT_FIELD in names):
            issue(node, f"Het formulier {_properties(node.element).get('form', '')} laat deze taak afronden zonder "
                        f"toestemming: '{CONSENT_FIELD}' moet verplicht zijn en alleen 'ja' toestaan "
                        f"(\"const\": true)")
    for node in graph.nodes.values():
        if any(_assigns(script, CONSENT_FIELD) for _label, script in _scripts_of(node.element)):
            issue(node, f"Een script zet '{CONSENT_FIELD}': de toestemming geeft de melder, de vertrouwenspersoon "
                        f"legt haar vast in een formulier")
    if not channels:
        return out
    if not recorders:
        for node in channels.values():
            issue(node, f"Deze taak vraagt of de melding via de vertrouwenspersoon kwam ('{CHANNEL_FIELD}'), maar "
                        f"geen taak legt de toestemming van de melder vast ('{CONSENT_FIELD}')")
        return out
    walk = _PathWalk(trees, graph, set(recorders), {CHANNEL_FIELD: True})
    where = ", ".join(f"'{recorders[n].element.get('id')}'" for n in sorted(recorders))
    for node_id, start in channels.items():
        for gate, end in walk.escapes(node_id):
            what = (f"de keuze '{gate.element.get('name') or gate.element.get('id')}' kan er ook langs" if gate
                    is not None else f"de zaak kan eindigen bij '{end.element.get('name') or end.element.get('id')}'")
            issue(gate or start, f"Ook als '{CHANNEL_FIELD}' ja is, bereikt niet elk pad de taak die de toestemming "
                                 f"vastlegt ({where}): {what}; de voorwaarde naar die taak mag alleen van "
                                 f"'{CHANNEL_FIELD}' afhangen")
    return out


# --------------------------------------------------------------------------- hoor en wederhoor before the report

SUBJECT_HEARD_RULE = ("Hoor en wederhoor: de betrokkene wordt gehoord en krijgt het verslag van het hoorgesprek ter "
                      "controle, correctie en ondertekening voordat het onderzoeksrapport wordt vastgesteld (Protocol "
                      "integriteitsonderzoek)")
_BRANCHING = frozenset({"exclusiveGateway", "inclusiveGateway", "complexGateway", "eventBasedGateway",
                        "parallelGateway"})


def subject_hearing_issues(rules: LegalRules, trees: Mapping[str, etree._ElementTree],
                           main_process: str | None) -> list[ValidationIssue]:
    """DOMAIN §1.3: the subject is heard (hoor en wederhoor) before the investigation's report goes to the competent
    authority. In a set whose investigation has a report (``minutes_review.report_milestone``), no path of a case,
    from the start of the main process, reaches a task with that milestone without passing a task with the
    milestone ``HOORVERSLAG`` (the subject's minutes offered to check, correct and sign; its term's timer counts as
    passing it). A choice or a parallel branch around the hearing, or a set without such a task, is refused: the
    competent authority would decide on a report in which the subject was never heard."""
    if rules.minutes_review is None or main_process is None:
        return []
    report = rules.minutes_review.report_milestone
    graph = _Graph(trees)
    found = {node_id: milestones_of(_properties(node.element)) for node_id, node in graph.nodes.items()}
    reports = sorted(n for n, names in found.items() if report in names and graph.nodes[n].kind not in _WATCHERS)
    if not reports or not graph.starts.get(main_process):
        return []
    heard = frozenset(n for n, names in found.items()
                      if HOORVERSLAG in names and graph.nodes[n].kind not in _WATCHERS)

    def name(node_id: str) -> str:
        element = graph.nodes[node_id].element
        return element.get("name") or element.get("id")

    out: list[ValidationIssue] = []

    def issue(node_id: str, message: str) -> None:
        node = graph.nodes[node_id]
        out.append(ValidationIssue(node.file, f"{SUBJECT_HEARD_RULE}. {message}", node.element.get("id"),
                                   node.element.sourceline))

    if not heard:
        for node_id in reports:
            issue(node_id, f"De taak '{name(node_id)}' stelt het rapport vast (mijlpaal '{report}'), maar geen taak "
                           f"draagt de mijlpaal '{HOORVERSLAG}': nergens blijkt dat de betrokkene is gehoord en het "
                           f"verslag van het hoorgesprek ter correctie kreeg. Geef de taak die de reactie van de "
                           f"betrokkene op dat verslag verwerkt de mijlpaal '{HOORVERSLAG}'")
        return out
    around = _reachable_after(graph, set(), list(graph.starts[main_process]), avoid=heard)
    skipped = [n for n in reports if n in around]
    if not skipped:
        return out
    where = ", ".join(f"'{name(n)}'" for n in sorted(heard))
    for node_id in skipped:
        gates = []
        for gate_id in sorted(around):
            gate = graph.nodes[gate_id]
            if gate.kind not in _BRANCHING or len(gate.outgoing) < 2:
                continue
            skips = [t for t in gate.outgoing if node_id in _reachable_after(graph, set(), [t], avoid=heard)]
            hears = [t for t in gate.outgoing if t not in skips and _reachable_after(graph, set(), [t]) & heard]
            if skips and hears:
                gates.append(gate_id)
        what = ("een pad vanaf het begin van de zaak komt er niet langs" if not gates else
                f"de parallelle splitsing '{name(gates[0])}' opent een pad om het hoorgesprek heen"
                if graph.nodes[gates[0]].kind == "parallelGateway" else
                f"de keuze '{name(gates[0])}' kan om het hoorgesprek heen")
        issue(gates[0] if gates else node_id,
              f"De taak '{name(node_id)}' (mijlpaal '{report}') is te bereiken zonder de taak waarin de betrokkene "
              f"op het verslag van het hoorgesprek reageert (mijlpaal '{HOORVERSLAG}': {where}): {what}. Het rapport "
              f"gaat naar het bevoegd gezag, dat erop besluit; elke betrokkene wordt eerst gehoord, welke route het "
              f"onderzoek ook neemt")
    return out


# --------------------------------------------------------------------------- kennisgeving en onderzoeksopdracht

# The recipient of the written notice of the investigation (letters.json: the subject of the report).
SUBJECT_RECIPIENT = "betrokkene"
NOTICE_RULE = ("Kennisgeving: de betrokkene wordt schriftelijk ingelicht over het onderzoek voordat hij wordt gehoord "
               "(hoor en wederhoor, Protocol integriteitsonderzoek)")
ASSIGNMENT_RULE = ("Onderzoeksopdracht: het bevoegd gezag wordt ingelicht en verstrekt de opdracht voordat het "
                   "onderzoek begint")


def formal_milestones(rules: LegalRules) -> frozenset[str]:
    """The milestones of the formal investigation's work: the subject's notice and hearing, the minutes of the hearing
    (``HOORVERSLAG``), the witnesses' minutes and the report (``minutes_review``)."""
    names = {HOORVERSLAG} | set(_investigation_milestones(rules))
    if rules.investigation is not None:
        names |= {rules.investigation.notice_milestone, rules.investigation.hearing_milestone}
    return frozenset(names)


def _in_order(graph: _Graph, main_process: str) -> list[str]:
    """The nodes in the order a case meets them first (breadth first from the main start, into called processes and
    subprocesses): the order in which a message names tasks."""
    order: list[str] = []
    seen: set[str] = set()
    todo = list(graph.starts.get(main_process, []))
    while todo:
        following: list[str] = []
        for node_id in todo:
            if node_id in seen or node_id not in graph.nodes:
                continue
            seen.add(node_id)
            order.append(node_id)
            node = graph.nodes[node_id]
            if node.kind == "callActivity":
                following.extend(graph.starts.get(node.element.get("calledElement"), []))
            elif node.kind in CONTAINERS:
                following.extend(graph.starts.get(node_id, []))
            following.extend(node.outgoing)
        todo = following
    return order + sorted(set(graph.nodes) - seen)


def _paths_around(graph: _Graph, main_process: str, targets: set[str], passes: frozenset[str],
                  order: list[str]) -> list[tuple[str | None, list[str]]]:
    """Where a path of a case, from the start of the main process, reaches a node of ``targets`` without passing one
    of ``passes``: (the choice or parallel split with a branch around ``passes`` beside one through them, or None;
    the targets reached around them, in ``order``)."""
    around = _reachable_after(graph, set(), list(graph.starts.get(main_process, [])), avoid=passes)
    rank = {node_id: i for i, node_id in enumerate(order)}
    skipped = sorted((t for t in targets if t in around), key=lambda n: rank.get(n, len(rank)))
    if not skipped:
        return []
    branches: dict[str, list[tuple[set[str], set[str]]]] = {}
    for gate_id in sorted(around, key=lambda n: rank.get(n, len(rank))):
        gate = graph.nodes[gate_id]
        if gate.kind in _BRANCHING and len(gate.outgoing) >= 2:
            branches[gate_id] = [(_reachable_after(graph, set(), [t], avoid=passes),
                                  _reachable_after(graph, set(), [t])) for t in gate.outgoing]
    by_gate: dict[str | None, list[str]] = {}
    for target in skipped:
        culprit = None
        for gate_id, outs in branches.items():
            skips = [i for i, (avoiding, _all_nodes) in enumerate(outs) if target in avoiding]
            through = [i for i, (_avoiding, all_nodes) in enumerate(outs) if i not in skips and all_nodes & passes]
            if skips and through:
                culprit = gate_id
                break
        by_gate.setdefault(culprit, []).append(target)
    return list(by_gate.items())


def investigation_issues(rules: LegalRules, trees: Mapping[str, etree._ElementTree], forms: Mapping[str, Mapping],
                         tasks: Mapping[str, Any], main_process: str | None) -> list[ValidationIssue]:
    """DOMAIN §1.2–1.3, a floor the manifest cannot drop: a set that investigates (a task the separation of duties
    reads as investigating, ``separated_duties``, or one carrying a milestone of the formal investigation: the
    subject's minutes ``HOORVERSLAG``, the witnesses' minutes, the report) declares ``legal_rules.investigation`` and,
    in ``written_notices``, the notice to 'betrokkene'; some task carries each of its milestones. Then, on every path
    of a case from the start of the main process: the hearing (the tasks carrying ``hearing_milestone`` or
    ``HOORVERSLAG``) comes after a task carrying the notice milestone (whose letter to the subject
    ``written_notice_issues`` proves), and every investigating task (not the preliminary one) after a task carrying
    the assignment milestone, bound to the competent authority's slot (the slot of the voornemen: who decides on the
    subject). A choice or parallel branch around them is refused."""
    if main_process is None:
        return []
    graph = _Graph(trees)
    found = {node_id: milestones_of(_properties(node.element)) for node_id, node in graph.nodes.items()}
    doing = {node_id for node_id, node in graph.nodes.items() if node.kind not in _WATCHERS}
    duties = separated_duties(rules, trees, forms, tasks)
    by_duty = {n for n, duty in (duties.tasks if duties is not None else {}).items() if duty == INVESTIGATES}
    formal = formal_milestones(rules)
    by_milestone = {n for n in doing if found[n] & formal}
    inv = rules.investigation
    preliminary = {n for n in doing if inv is not None and inv.preliminary_milestone
                   and inv.preliminary_milestone in found[n]}
    investigating = (by_duty - preliminary) | by_milestone
    if not (by_duty | by_milestone):
        return []
    order = _in_order(graph, main_process)
    rank = {node_id: i for i, node_id in enumerate(order)}

    def name(node_id: str) -> str:
        element = graph.nodes[node_id].element
        return element.get("name") or element.get("id")

    def names(node_ids, limit: int = 3) -> str:
        ranked = sorted(node_ids, key=lambda n: rank.get(n, len(rank)))
        text = ", ".join(f"'{name(n)}'" for n in ranked[:limit])
        return text + (f" en {len(ranked) - limit} andere" if len(ranked) > limit else "")

    out: list[ValidationIssue] = []

    def manifest_issue(rule: str, message: str) -> None:
        out.append(ValidationIssue(MANIFEST_FILE, f"{rule}. {message}", "legal_rules"))

    def node_issue(rule: str, node_id: str, message: str) -> None:
        node = graph.nodes[node_id]
        out.append(ValidationIssue(node.file, f"{rule}. {message}", node.element.get("id"), node.element.sourceline))

    what = f"dit proces onderzoekt (de taken {names(investigating or by_duty | by_milestone)})"
    if inv is None:
        for rule in (ASSIGNMENT_RULE, NOTICE_RULE):
            manifest_issue(rule, f"Dit geldt voor elk proces dat onderzoekt, maar 'legal_rules.investigation' "
                                 f"ontbreekt en {what}. Verklaar de mijlpalen van de onderzoeksopdracht "
                                 f"('assignment_milestone'), de kennisgeving aan de betrokkene ('notice_milestone'), "
                                 f"het hoorgesprek ('hearing_milestone') en een bron ('source')")
        return out
    if not any(n.milestone == inv.notice_milestone and n.recipient == SUBJECT_RECIPIENT
               for n in rules.written_notices):
        manifest_issue(NOTICE_RULE, f"'written_notices' verklaart niet dat de mijlpaal '{inv.notice_milestone}' "
                                    f"schriftelijk wordt meegedeeld aan '{SUBJECT_RECIPIENT}' ({what}); zonder die "
                                    f"regel toetst niets dat de kennisgeving een brief aan de betrokkene is")
    carriers = {}
    for milestone, rule, meaning in (
            (inv.notice_milestone, NOTICE_RULE, "de taak die de betrokkene schriftelijk inlicht"),
            (inv.hearing_milestone, NOTICE_RULE, "het hoorgesprek met de betrokkene"),
            (inv.assignment_milestone, ASSIGNMENT_RULE, "de taak waarin het bevoegd gezag de opdracht verstrekt")):
        carriers[milestone] = frozenset(n for n in doing if milestone in found[n])
        if not carriers[milestone]:
            manifest_issue(rule, f"Geen taak draagt de mijlpaal '{milestone}' ({meaning}, "
                                 f"legal_rules.investigation), maar {what}. Geef die taak de mijlpaal "
                                 f"(eigenschap '{MILESTONE_PROPERTY}')")
    for node_id in sorted(preliminary & by_milestone):
        node_issue(ASSIGNMENT_RULE, node_id, f"De taak '{name(node_id)}' draagt de mijlpaal van het vooronderzoek "
                                             f"('{inv.preliminary_milestone}') én een mijlpaal van het formele "
                                             f"onderzoek ({', '.join(sorted(found[node_id] & formal))}): het "
                                             f"vooronderzoek hoort de betrokkene niet en stelt geen rapport vast")
    competent = {tasks[n].slot for n in doing if rules.voornemen_milestone in found[n] and n in tasks
                 and tasks[n].slot}
    if not competent and duties is not None:
        competent = {slot for slot, duty in duties.slots.items() if duty == DECIDES}
    for node_id in sorted(carriers[inv.assignment_milestone]):
        meta = tasks.get(node_id)
        slot = meta.slot if meta is not None else None
        if graph.nodes[node_id].kind != "userTask" or slot not in competent:
            node_issue(ASSIGNMENT_RULE, node_id, (
                f"De taak '{name(node_id)}' (mijlpaal '{inv.assignment_milestone}') is gebonden aan "
                f"{repr(slot) if slot else 'geen plaats'}, niet aan de plaats van het bevoegd gezag "
                f"({', '.join(repr(s) for s in sorted(competent)) or 'geen'}: de plaats van wie over de betrokkene "
                f"besluit, mijlpaal '{rules.voornemen_milestone}'); alleen het bevoegd gezag verstrekt de "
                f"onderzoeksopdracht"))
    def around(gate: str | None, what: str) -> str:
        """How a path reaches its target without passing ``what``: from the start, or through ``gate``."""
        if gate is None:
            return "een pad vanaf het begin van de zaak komt er niet langs"
        if graph.nodes[gate].kind == "parallelGateway":
            return f"de parallelle splitsing '{name(gate)}' opent een pad om {what} heen"
        return f"de keuze '{name(gate)}' kan om {what} heen"

    notices = carriers[inv.notice_milestone]
    hearing = {n for n in doing if found[n] & {inv.hearing_milestone, HOORVERSLAG}}
    if notices:
        for gate, reached in _paths_around(graph, main_process, hearing, notices, order):
            how = around(gate, "de kennisgeving")
            node_issue(NOTICE_RULE, gate or reached[0], (
                f"{'De taak' if len(reached) == 1 else 'De taken'} {names(reached)} (het hoorgesprek) "
                f"{'is' if len(reached) == 1 else 'zijn'} te bereiken zonder de taak die de betrokkene "
                f"schriftelijk inlicht (mijlpaal '{inv.notice_milestone}': {names(notices)}): {how}. De betrokkene "
                f"weet vóór het hoorgesprek wat hem wordt verweten en dat hij een adviseur mag meenemen, welke route "
                f"het onderzoek ook neemt"))
    assignments = carriers[inv.assignment_milestone]
    if assignments:
        for gate, reached in _paths_around(graph, main_process, investigating - assignments, assignments, order):
            how = around(gate, "de onderzoeksopdracht")
            node_issue(ASSIGNMENT_RULE, gate or reached[0], (
                f"{'De onderzoekstaak' if len(reached) == 1 else 'De onderzoekstaken'} {names(reached)} "
                f"{'is' if len(reached) == 1 else 'zijn'} te bereiken zonder de taak waarin het bevoegd gezag de "
                f"onderzoeksopdracht verstrekt (mijlpaal '{inv.assignment_milestone}': {names(assignments)}): {how}. "
                f"Een formeel onderzoek begint pas met de opdracht van het bevoegd gezag ({inv.source}); alleen het "
                f"vooronderzoek (mijlpaal '{inv.preliminary_milestone or 'vooronderzoek'}') gaat eraan vooraf"))
    return out


# --------------------------------------------------------------------------- an integrity-case set declares its rules

# What makes a process set one that handles integrity cases (DOMAIN §1–§3), read from what the product itself knows
# by name, never from the manifest (a deleted ``legal_rules`` block must not take the reason with it) nor from an
# element id. Every floor above starts from ``legal_rules``; a set that handles integrity cases without it would be
# held to none of them, at check, at deploy or at any step.
#
# The milestones the engine knows by name: the statutory terms (the reporter's promises, the dashboard, the hearing,
# the remedies) and the stages of the investigation and the decision on the subject.
INTEGRITY_MILESTONES = frozenset({t.milestone for t in STATUTORY_TERMS}) | frozenset({
    "kennisgeving", "hoorgesprek", "onderzoeksopdracht", "vooronderzoek", "voornemen", "besluit", "rapport"})
# The case roles whose work exists only in an integrity case (DOMAIN §2): who decides on the subject, who advises on
# the sanction, who passes a report on with the reporter's consent. Role code -> what its work is (Dutch).
INTEGRITY_ROLES = {
    "bevoegd_gezag": "het bevoegd gezag beslist over de betrokkene",
    "hr_adviseur": "de HR-adviseur adviseert over de straf",
    "jurist": "de jurist adviseert over de straf en het besluit",
    "vertrouwenspersoon": "de vertrouwenspersoon geeft een melding door",
}
# The fields the engine reads as integrity-case data (the case summary, the annual annex, the reporter's guard):
# the reporter (``melder_``), the subject (``betrokkene``) and the assessments and decisions on them.
INTEGRITY_FIELD_PREFIXES = {"melder_": "de melder", "betrokkene": "de betrokkene"}
INTEGRITY_FIELDS = {
    RESOLUTION_FIELD: "de afdoening",
    "strafbaar_feit": "de beoordeling op een strafbaar feit (art. 162 Sv)",
    "aangifte_gedaan": "de aangifte (art. 162 Sv)",
    "aangifte_datum": "de aangifte (art. 162 Sv)",
    ORDER_MEASURE_FIELD: "de ordemaatregel",
    "via_vertrouwenspersoon": "de melding via de vertrouwenspersoon",
    "toestemming_doorgeven": "de toestemming van de melder",
}
INTEGRITY_CASE_RULE = ("Een processet die integriteitszaken behandelt, verklaart de wettelijke regels ('legal_rules'): "
                       "zonder dat blok toetst de engine bij geen enkele stap de functiescheiding, de schriftelijke "
                       "kennisgeving aan de betrokkene, hoor en wederhoor, de onderzoeksopdracht van het bevoegd "
                       "gezag, de aangifte (art. 162 Sv), de toestemming van de melder en de termijnen voor de melder "
                       "(de waarborgen van elke integriteitszaak)")


def _case_processes(graph: _Graph, main_process: str) -> set[str]:
    """The processes a case runs: the main process and every process a call activity in them calls."""
    def top(node_id: str) -> str:
        cid = graph.container.get(node_id, "")
        while cid not in graph.processes and cid in graph.container:
            cid = graph.container[cid]
        return cid

    calls: dict[str, set[str]] = {}
    for node_id, node in graph.nodes.items():
        if node.kind == "callActivity" and node.element.get("calledElement"):
            calls.setdefault(top(node_id), set()).add(node.element.get("calledElement"))
    reach, todo = {main_process}, [main_process]
    while todo:
        for called in calls.get(todo.pop(), ()):
            if called in graph.processes and called not in reach:
                reach.add(called)
                todo.append(called)
    containers = set(graph.processes) | {n for n, node in graph.nodes.items() if node.kind in CONTAINERS}
    return {cid for cid in containers if (cid if cid in graph.processes else top(cid)) in reach}


def integrity_case_reasons(trees: Mapping[str, etree._ElementTree], forms: Mapping[str, Mapping],
                           tasks: Mapping[str, Any], main_process: str, roles: Mapping[str, str]) -> list[str]:
    """Why the set handles integrity cases, in Dutch, by visible names (tasks, lanes, forms, fields): a task or
    event of a case's processes carrying a milestone of ``INTEGRITY_MILESTONES``; a user task in the lane of a role of
    ``INTEGRITY_ROLES``; a form of such a task with a field of the reporter, the subject or ``INTEGRITY_FIELDS``
    (interleaved by kind: lane, field, milestone).
    Empty for a set that does none of these (a generic test process; the other process kinds of ``processes`` in the
    manifest, which create no cases, are not read)."""
    graph = _Graph(trees)
    inside = _case_processes(graph, main_process)
    by_milestone: list[str] = []
    by_lane: list[str] = []
    by_field: list[str] = []

    def named(node: _Node) -> str:
        name = (node.element.get("name") or "").strip()
        return f"'{name}'" if name else f"een {'taak' if node.kind in TASKS else 'element'} zonder naam in {node.file}"

    for node_id, node in graph.nodes.items():
        if graph.container.get(node_id) not in inside:
            continue
        found = milestones_of(_properties(node.element)) & INTEGRITY_MILESTONES
        if found:
            by_milestone.append(f"{named(node)} draagt de mijlpaal {', '.join(repr(m) for m in sorted(found))}")
    for node_id, meta in tasks.items():
        node = graph.nodes.get(node_id)
        if node is None or graph.container.get(node_id) not in inside or getattr(meta, "kind", "") != "userTask":
            continue
        role = getattr(meta, "role", None)
        if role in INTEGRITY_ROLES:
            by_lane.append(f"de taak {named(node)} ligt in de baan '{roles.get(role, role)}' ({INTEGRITY_ROLES[role]})")
        form = getattr(meta, "form", None)
        props = (forms.get(form or "") or {}).get("properties")
        for name in (props if isinstance(props, Mapping) else {}):
            what = INTEGRITY_FIELDS.get(name) or next(
                (who for prefix, who in INTEGRITY_FIELD_PREFIXES.items() if name.startswith(prefix)), None)
            if what is not None:
                by_field.append(f"het formulier {form} van de taak {named(node)} vraagt '{name}' ({what})")
                break
    kinds = [list(dict.fromkeys(kind)) for kind in (by_lane, by_field, by_milestone)]
    # one of each kind first: the refusal shows the breadth of the integrity work, not three of a kind
    return [kind[i] for i in range(max(map(len, kinds))) for kind in kinds if i < len(kind)]


def integrity_case_issues(rules: LegalRules | None, trees: Mapping[str, etree._ElementTree],
                          forms: Mapping[str, Mapping], tasks: Mapping[str, Any], main_process: str,
                          roles: Mapping[str, str]) -> list[ValidationIssue]:
    """The floor under every other floor: a set that handles integrity cases (``integrity_case_reasons``) declares
    ``legal_rules``, whatever its forms offer; the floors above then hold it."""
    if rules is not None:
        return []
    reasons = integrity_case_reasons(trees, forms, tasks, main_process, roles)
    if not reasons:
        return []
    shown = "; ".join(reasons[:3]) + (f"; en {len(reasons) - 3} andere" if len(reasons) > 3 else "")
    return [ValidationIssue(MANIFEST_FILE, (
        f"'legal_rules' ontbreekt, maar deze processet behandelt integriteitszaken: {shown}. {INTEGRITY_CASE_RULE}. "
        f"Voeg het blok 'legal_rules' toe (zie docs/PROCESS_OWNERS.md)"), "legal_rules")]


# The separation of duties of a version stored without ``legal_rules`` that handles integrity cases (a version an
# older release stored; check and deploy now refuse one, ``integrity_case_issues``): what its tasks do is read with
# the product's own milestone names (the shipped manifest's: the report and the witnesses' minutes investigate, the
# voornemen and a statutory penalty in the resolution field decide, the registration decides nothing). Only the
# separation is held with these: it refuses a person, never a step the version lacks, so no running case is stranded.
# The hearing, the notices, the assignment and the terms name tasks such a version need not have: not held.
BUILT_IN_SEPARATION = LegalRules(
    measures_field=RESOLUTION_FIELD, penalties=STATUTORY_PENALTIES, measures_source=STATUTORY_SOURCE,
    hearing_source=STATUTORY_SOURCE, voornemen_milestone="voornemen", intention_field="voorgenomen_maatregel",
    zienswijze_milestone=ZIENSWIJZE, answered_field="", waiver_field="", waiver_record_field="", term_field="",
    registration_milestone="registratie",
    minutes_review=MinutesReview(source="", heard_field="", item_field="", name_key="",
                                 review_milestone=GETUIGENVERSLAG, answered_field="", term_field="",
                                 report_milestone="rapport"))


def separation_rules(rules: LegalRules | None, trees: Mapping[str, etree._ElementTree], forms: Mapping[str, Mapping],
                     tasks: Mapping[str, Any], main_process: str, roles: Mapping[str, str]) -> LegalRules | None:
    """The rules ``separated_duties`` reads a set with: its own; else, for a set that handles integrity cases,
    ``BUILT_IN_SEPARATION``; else none (a set that handles no integrity case separates nothing)."""
    if rules is not None:
        return rules
    return BUILT_IN_SEPARATION if integrity_case_reasons(trees, forms, tasks, main_process, roles) else None
