"""Soundness of a process's shape: no case stalls at a parallel join, nothing runs twice (check and deploy).

A token game over the BPMN graph of every process and every embedded subprocess, each on its own: a call
activity, a subprocess, a task and an event are single steps. Every choice is free (a condition can come out
either way; an inclusive gateway takes any non-empty set of its conditional flows, or its default), a user task
can always be done, and a boundary event on an activity may or may not occur while the activity runs (a
non-interrupting one at most once: the activity runs on; an interrupting one ends it). Every reachable state is
explored once (states are bit sets: one bit per sequence flow, one per running activity with boundary events,
one per non-interrupting boundary event still armed). Two faults are refused, the first one found per process:

* **deadlock**: a state in which nothing can move any more but a parallel join still holds tokens: it waits
  for a branch that was never taken (an exclusive or inclusive choice, or a boundary event, sent the case
  elsewhere). SpiffWorkflow 3.2 leaves the join waiting: the case stalls with no open task
  (``engine.cases.service._stalled`` refuses the step as incident ``zaak-vastgelopen``);
* **lack of synchronisation**: a state that puts a second token on a sequence flow that already has one, or
  tokens on two incoming flows of an activity or event at once: routes that run side by side (after a
  parallel split, an inclusive split taking more than one flow, a non-interrupting boundary event) meet without
  a parallel join; SpiffWorkflow runs what follows once per route (a letter sent twice, two decisions).
  A flow into a plain end event (no event definition, no script, no letter) may carry any number of tokens:
  ending twice does nothing; nor does a second token on its way to a terminate end event (the first ends all).

What SpiffWorkflow handles is not refused: an inclusive join waits only for tokens that can still reach it (its
own semantics), so an inclusive split and its inclusive join are sound, and so is an exclusive split into an
inclusive join. Several start events are alternatives (SpiffWorkflow starts the first that fires). An event
subprocess is checked on its own. A cycle timer on a boundary event is taken to fire once (a repeated reminder
is wanted). A cycle of sequence flows is refused elsewhere (``runtime_checks``); here it is explored like the
rest (a second token on a flow ends the search there).

Tasks in series (one flow in, at most one out, no boundary events, fed by such a task) move as one step: routes
side by side with long sequences add states instead of multiplying them. The shipped main process has some 5,300
states (about 50 ms); a process with more than ``MAX_STATES`` is refused as too large to check.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations

from lxml import etree

from engine.errors import ValidationIssue

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}

ACTIVITIES = frozenset({"task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
                        "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess"})
CONTAINERS = frozenset({"process", "subProcess", "transaction"})
EVENTS = frozenset({"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent"})
CHOICES = frozenset({"exclusiveGateway", "eventBasedGateway", "complexGateway"})
# More conditional flows than this out of one inclusive gateway: only each flow alone and all together are tried.
INCLUSIVE_SUBSETS_UP_TO = 6
# States explored per process before giving up: a shape this large is refused as too large to check.
MAX_STATES = 100_000

KIND_WORDS = {
    "parallelGateway": "de parallelle gateway", "exclusiveGateway": "de exclusieve gateway",
    "inclusiveGateway": "de inclusieve gateway", "eventBasedGateway": "de gebeurtenisgateway",
    "complexGateway": "de complexe gateway", "callActivity": "de aanroepactiviteit", "subProcess": "het deelproces",
    "transaction": "het deelproces", "adHocSubProcess": "het deelproces", "boundaryEvent": "de grensgebeurtenis",
    "startEvent": "de startgebeurtenis", "endEvent": "de eindgebeurtenis",
    "intermediateCatchEvent": "de tussengebeurtenis", "intermediateThrowEvent": "de tussengebeurtenis",
}


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def called(element: etree._Element) -> str:
    """An element as the process owner sees it: its name, else its id."""
    return f"'{(element.get('name') or '').strip() or element.get('id') or ''}'"


def describe(element: etree._Element) -> str:
    return f"{KIND_WORDS.get(_local(element), 'de taak')} {called(element)}"


def _bits(mask: int) -> Iterator[int]:
    while mask:
        low = mask & -mask
        yield low
        mask ^= low


def _single(mask: int) -> bool:
    return mask != 0 and mask & (mask - 1) == 0


def _mask_of(masks) -> int:
    mask = 0
    for m in masks:
        mask |= m
    return mask


def _mask(outputs) -> int:
    mask = 0
    for _, bit in outputs:
        mask |= bit
    return mask


@dataclass(eq=False)
class _Node:
    element: etree._Element
    kind: str  # start, end (plain), effect_end, terminate, task, choice, and, or; boundary
    inputs: int = 0  # bits of the incoming flows
    outputs: tuple = ()  # (flow element, bit or 0 for a flow into a plain end event)
    out_mask: int = 0  # the bits of its outgoing flows
    active: int = 0  # the bit "running" of an activity with boundary events
    armed: int = 0  # the bits of its non-interrupting boundary events still armed
    boundaries: tuple = ()  # its boundary events: (_Node, armed bit or 0 when interrupting)
    host: "_Node | None" = None  # of a boundary event: the activity it sits on


class _Problem(Exception):
    """What goes wrong in state ``marking``: ``deadlock`` at the join ``node``; ``twice``: ``node`` moved, producing
    ``produced``, and put a second token on ``place`` (or, without one, ``node`` holds two tokens); ``size``."""

    def __init__(self, kind: str, node: _Node, *, marking: int = 0, place: int = 0, produced: int = 0):
        super().__init__(kind)
        self.kind, self.node, self.marking, self.place, self.produced = kind, node, marking, place, produced
        self.origin = marking  # the state explored when it was found


class _Scope:
    """One process or embedded subprocess: its nodes and the places of its token game."""

    def __init__(self, container: etree._Element):
        children = [c for c in container if isinstance(c.tag, str) and etree.QName(c).namespace == BPMN_NS]
        self.container = container
        self.nodes: dict[str, _Node] = {}
        boundary_elements = []
        for child in children:
            tag = _local(child)
            if tag == "subProcess" and child.get("triggeredByEvent") == "true":
                continue  # an event subprocess runs apart from the flow (checked on its own)
            if tag == "boundaryEvent":
                boundary_elements.append(child)
            elif child.get("id") and (tag in ACTIVITIES or tag in EVENTS or tag.endswith("Gateway")):
                self.nodes[child.get("id")] = _Node(child, self._kind(child))
        self.flow_of_bit: dict[int, etree._Element] = {}
        flows = [c for c in children if _local(c) == "sequenceFlow"]
        boundaries = {b.get("id"): b for b in boundary_elements if b.get("attachedToRef") in self.nodes}
        bit = 1
        outputs: dict[str, list] = {}
        for flow in flows:
            source, target = flow.get("sourceRef"), self.nodes.get(flow.get("targetRef"))
            if target is None or (source not in self.nodes and source not in boundaries):
                continue
            if target.kind == "end":  # a plain end event: ending does nothing, any number of times
                outputs.setdefault(source, []).append((flow, 0))
                continue
            target.inputs |= bit
            self.flow_of_bit[bit] = flow
            outputs.setdefault(source, []).append((flow, bit))
            bit <<= 1
        for node_id, node in self.nodes.items():
            node.outputs = tuple(outputs.get(node_id, ()))
            node.out_mask = _mask(node.outputs)
        attached: dict[str, list[etree._Element]] = {}
        for boundary in boundaries.values():
            attached.setdefault(boundary.get("attachedToRef"), []).append(boundary)
        self.boundary_nodes: dict[str, _Node] = {}
        for node_id, events in attached.items():
            node = self.nodes[node_id]
            node.active, bit = bit, bit << 1
            found = []
            for event in events:
                flows_out = tuple(outputs.get(event.get("id"), ()))
                b = _Node(event, "boundary", outputs=flows_out, out_mask=_mask(flows_out), host=node)
                armed = 0
                if event.get("cancelActivity", "true") == "false":
                    armed, bit = bit, bit << 1
                    node.armed |= armed
                found.append((b, armed))
                self.boundary_nodes[event.get("id")] = b
            node.boundaries = tuple(found)
        self.ordered = list(self.nodes.values())
        self.order = {node: i for i, node in enumerate(self.ordered)}
        # per place, the nodes a token there can move (in document order: the search is the same every time)
        self.movers: dict[int, tuple[_Node, ...]] = {}
        for node in self.ordered:
            for place in (*_bits(node.inputs), node.active):
                if place:
                    self.movers[place] = (*self.movers.get(place, ()), node)
        # Activities and events that run once per token: tokens on two of their incoming flows at once (or one
        # while the activity still runs) make them run twice. (A gateway running twice does nothing by itself:
        # what follows it gets the second token on a flow.)
        self.merging = [(n, n.inputs | n.active) for n in self.ordered
                        if n.kind in ("task", "effect_end") and bin(n.inputs | n.active).count("1") > 1]
        # a terminate end event ends every route at once: a second token on its way there changes nothing
        self.terminating = _mask_of(n.inputs for n in self.ordered if n.kind == "terminate")
        # Steps in series: a flow from a step with one incoming flow into a step that only it feeds (tasks and events
        # without boundary events, one flow in, at most one out). A token does not stop on it: the second step runs
        # in the same move as the first (series fusion; a second token could only come the same way, and meets the
        # first where it waits before the first step). Long sequences of tasks on routes that run side by side then
        # add states instead of multiplying them.
        self.series: dict[int, _Node] = {}
        for node in self.ordered:
            out = node.out_mask
            if node.kind != "task" or node.active or not _single(node.inputs) or not _single(out):
                continue
            after = self.movers.get(out, ())
            if len(after) == 1 and after[0].kind == "task" and not after[0].active and after[0].inputs == out \
                    and (after[0].out_mask == 0 or _single(after[0].out_mask)):
                self.series[out] = after[0]
        self.reach = self._reach()

    @staticmethod
    def _kind(element: etree._Element) -> str:
        tag = _local(element)
        if tag == "startEvent":
            return "start"
        if tag == "endEvent":
            definitions = [c for c in element if isinstance(c.tag, str) and _local(c).endswith("EventDefinition")]
            if any(_local(d) == "terminateEventDefinition" for d in definitions):
                return "terminate"
            effects = element.xpath("./bpmn:extensionElements/spiffworkflow:preScript"
                                    " | ./bpmn:extensionElements/spiffworkflow:postScript"
                                    " | ./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property"
                                    "[@name='letter']", namespaces=NS)
            return "effect_end" if definitions or effects else "end"
        if tag == "parallelGateway":
            return "and"
        if tag == "inclusiveGateway":
            return "or"
        if tag in CHOICES:
            return "choice"
        return "task"

    def _successor_places(self, node: _Node) -> int:
        """Every place a token that enters ``node`` can go to next."""
        if node.active:
            return node.active
        return node.out_mask

    def _reach(self) -> dict[int, int]:
        """Per place: the places a token there can reach (itself included), by the graph alone."""
        step: dict[int, int] = {}
        for node in self.ordered:
            for bit in _bits(node.inputs):
                step[bit] = self._successor_places(node)
            if node.active:
                after = node.out_mask
                for boundary, armed in node.boundaries:
                    after |= boundary.out_mask
                    if armed:
                        step[armed] = boundary.out_mask
                step[node.active] = after | node.armed
        reach = {}
        for place in step:
            seen, todo = place, [place]
            while todo:
                for nxt in _bits(step.get(todo.pop(), 0)):
                    if not seen & nxt:
                        seen |= nxt
                        todo.append(nxt)
            reach[place] = seen
        return reach

    def reaches(self, places: int, target: int) -> bool:
        return any(self.reach.get(p, p) & target for p in _bits(places))

    def feeders(self, join: _Node) -> dict[int, int]:
        """Per incoming flow of an inclusive join: the places from which a token can still arrive over it without
        passing the join itself (SpiffWorkflow's inclusive join waits for those)."""
        back: dict[int, int] = {}  # place -> places that lead to it in one step, not through the join
        for node in self.ordered:
            if node is join:
                continue
            for bit in _bits(node.inputs):
                for nxt in _bits(self._successor_places(node)):
                    back[nxt] = back.get(nxt, 0) | bit
            if node.active:
                for boundary, armed in node.boundaries:
                    for nxt in _bits(boundary.out_mask):
                        back[nxt] = back.get(nxt, 0) | node.active | armed
                for nxt in _bits(node.out_mask):
                    back[nxt] = back.get(nxt, 0) | node.active
        out = {}
        for entry in _bits(join.inputs):
            seen, todo = 0, [entry]
            while todo:
                for prev in _bits(back.get(todo.pop(), 0)):
                    if not seen & prev:
                        seen |= prev
                        todo.append(prev)
            out[entry] = seen & ~join.inputs
        return out



class _Game:
    """The token game of one scope, explored breadth first from its start (so the first fault has a short trace)."""

    def __init__(self, scope: _Scope):
        self.scope = scope
        self.or_feeders = {id(n): scope.feeders(n) for n in scope.ordered if n.kind == "or"}
        self.parent: dict[int, tuple[int, _Node, int] | None] = {}  # state -> (previous state, mover, produced)

    def produce(self, marking: int, places: int, mover: _Node) -> int:
        clash = marking & places & ~self.scope.terminating
        if clash:
            raise _Problem("twice", mover, marking=marking | places, place=clash & -clash, produced=places)
        marking |= places
        for merge, busy in self.scope.merging:
            if bin(marking & busy).count("1") > 1:
                raise _Problem("twice", merge, marking=marking, produced=places)
        return marking

    def moves(self, m: int) -> Iterator[tuple[_Node, int, int]]:
        """(the node that moves, the places it marks, the next state) for every move out of state ``m``."""
        movers = self.scope.movers
        nodes = dict.fromkeys(node for place in _bits(m) for node in movers.get(place, ()))
        for node in (nodes if len(nodes) < 2 else sorted(nodes, key=self.scope.order.__getitem__)):
            kind, marked = node.kind, m & node.inputs
            if kind == "and":
                if node.inputs and marked == node.inputs:
                    yield node, node.out_mask, self.produce(m & ~marked, node.out_mask, node)
                continue
            if kind == "or":
                if marked and self._or_ready(node, m):
                    for out in self._subsets(node):
                        yield node, out, self.produce(m & ~marked, out, node)
                continue
            for entry in _bits(marked):
                rest = m & ~entry
                if kind == "choice":
                    for bit in dict.fromkeys(bit for _, bit in node.outputs) or (0,):
                        yield node, bit, self.produce(rest, bit, node)
                elif kind in ("end", "effect_end"):
                    yield node, 0, rest
                elif kind == "terminate":
                    yield node, 0, 0
                else:  # an activity or event; one with boundary events starts running
                    places = (node.active | node.armed) if node.active else node.out_mask
                    nxt = self.produce(rest, places, node)
                    for _ in range(len(self.scope.series)):  # and the steps in series after it (no cycle)
                        after = self.scope.series.get(places)
                        if after is None:
                            break
                        nxt, places = self.produce(nxt & ~places, after.out_mask, after), after.out_mask
                    yield node, places, nxt
            if node.active and m & node.active:
                done = m & ~(node.active | node.armed)
                yield node, node.out_mask, self.produce(done, node.out_mask, node)
                for boundary, armed in node.boundaries:
                    if not armed:  # interrupting: ends the activity
                        yield boundary, boundary.out_mask, self.produce(done, boundary.out_mask, boundary)
                    elif m & armed:  # non-interrupting: once, the activity runs on
                        yield (boundary, boundary.out_mask | node.active,
                               self.produce(m & ~armed, boundary.out_mask, boundary))

    def _or_ready(self, node: _Node, m: int) -> bool:
        feeders, others = self.or_feeders[id(node)], m & ~node.inputs
        return not any(others & feeders[entry] for entry in _bits(node.inputs & ~m))

    @staticmethod
    def _subsets(node: _Node) -> list[int]:
        """What an inclusive gateway can take: any non-empty set of its conditional flows, or else its default."""
        default = node.element.get("default")
        conditional = list(dict.fromkeys(bit for flow, bit in node.outputs if flow.get("id") != default))
        fallback = [bit for flow, bit in node.outputs if flow.get("id") == default]
        if len(conditional) > INCLUSIVE_SUBSETS_UP_TO:
            groups = [(bit,) for bit in conditional] + [tuple(conditional)]
        else:
            groups = [g for size in range(1, len(conditional) + 1) for g in combinations(conditional, size)]
        return sorted({sum(g) for g in groups} | set(fallback)) or [0]

    def run(self) -> _Problem | None:
        todo: deque[int] = deque()
        m = 0
        try:
            for start in (n for n in self.scope.ordered if n.kind == "start"):  # alternatives (the first that fires)
                first = self.produce(0, start.out_mask, start)
                if first not in self.parent:
                    self.parent[first] = None
                    todo.append(first)
            while todo:
                m = todo.popleft()
                stuck = True
                for node, produced, nxt in self.moves(m):
                    stuck = False
                    if nxt not in self.parent:
                        if len(self.parent) >= MAX_STATES:
                            return _Problem("size", node, marking=m)
                        self.parent[nxt] = (m, node, produced)
                        todo.append(nxt)
                if stuck and m:
                    waiting = next((n for n in self.scope.ordered if n.kind in ("and", "or") and m & n.inputs), None)
                    if waiting is not None:
                        return _Problem("deadlock", waiting, marking=m)
        except _Problem as problem:
            problem.origin = m
            return problem
        return None

    def trace(self, m: int) -> list[tuple[_Node, int]]:
        """The moves that led to state ``m``, the last first."""
        out, step = [], self.parent.get(m)
        while step is not None:
            before, node, produced = step
            out.append((node, produced))
            step = self.parent.get(before)
        return out


def _alternatives(node: _Node) -> int:
    """The places a choice could have marked instead: every flow out of a choosing gateway, every outcome of an
    activity with boundary events (done, or one of its events)."""
    if node.kind in ("choice", "or"):
        return node.out_mask
    host = node.host if node.kind == "boundary" else node if node.boundaries else None
    if host is None:
        return 0
    out = host.out_mask
    for boundary, _ in host.boundaries:
        out |= boundary.out_mask
    return out


def _choice_before(game: _Game, problem: _Problem, missing: int) -> tuple[str, _Node | None]:
    """How the case came to miss the ``missing`` flows, in words, and the element that chose: the last choice on
    the way to the deadlock that could have sent a token there (a gateway's, or whether a boundary event occurred)."""
    for node, produced in game.trace(problem.marking):
        if node.kind == "boundary" and produced & node.host.active:
            continue  # a non-interrupting event that occurred: the activity runs on, nothing was chosen
        others = _alternatives(node) & ~produced
        if not others or not game.scope.reaches(others, missing):
            continue
        if node.kind in ("choice", "or"):
            return f"{describe(node.element)} kan de zaak een andere kant op sturen", node
        host = node.host if node.kind == "boundary" else node
        unseen = next((b for b, _ in host.boundaries if b is not node and game.scope.reaches(b.out_mask, missing)),
                      None)
        if unseen is not None:
            return f"{describe(unseen.element)} op {describe(host.element)} treedt misschien niet op", unseen
        return f"{describe(node.element)} op {describe(host.element)} kan optreden", node
    return "", None


def _fork_before(game: _Game, problem: _Problem, target: int) -> _Node | None:
    """The last move on the way that started two routes which both reach ``target``."""
    for node, produced in [(problem.node, problem.produced), *game.trace(problem.origin)]:
        if sum(1 for p in _bits(produced) if game.scope.reaches(p, target)) > 1:
            return node
    return None


REMEDY_DEADLOCK = ("Voeg routes waarvan er maar één loopt samen met een exclusieve gateway; een parallelle gateway "
                   "voegt alleen routes samen die allemaal lopen (na een parallelle gateway)")
REMEDY_TWICE = ("Voeg routes die tegelijk lopen samen met een parallelle gateway (die wacht tot ze er allemaal "
                "zijn), of laat elke route apart eindigen")


def _message(game: _Game, problem: _Problem) -> str:
    scope, node = game.scope, problem.node
    if problem.kind == "size":
        return (f"{called(scope.container)} heeft te veel routes die tegelijk kunnen lopen om te controleren dat "
                f"geen zaak vastloopt en niets twee keer gebeurt (meer dan {MAX_STATES} toestanden); splits het "
                f"proces in deelprocessen")
    if problem.kind == "deadlock":
        missing = node.inputs & ~problem.marking
        sources = [scope.flow_of_bit[p].get("sourceRef") for p in _bits(missing)]
        named = [n for n in (scope.nodes.get(s) or scope.boundary_nodes.get(s) for s in sources) if n is not None]
        why, chooser = _choice_before(game, problem, missing)
        kind = "die gateway" if chooser is not None and chooser.kind in ("choice", "or") else "die gebeurtenis"
        names = kind if [chooser] == named else ", ".join(describe(n.element) for n in named)
        arrives = (f"{'komt de route' if len(named) == 1 else 'komen de routes'} vanuit {names} nooit "
                   f"{'aan' if len(named) == 1 else 'allemaal aan'}")
        return (f"De zaak kan vastlopen bij {describe(node.element)}: die wacht tot elke inkomende route is "
                f"aangekomen, maar {why + ', en dan ' if why else ''}{arrives}. De zaak zou daar blijven staan zonder "
                f"open taak en zonder lopende termijn (incident 'zaak-vastgelopen'). {REMEDY_DEADLOCK}")
    if problem.place in scope.flow_of_bit:
        target = scope.nodes[scope.flow_of_bit[problem.place].get("targetRef")]
        merge, where = node, problem.place
    else:
        target = merge = node
        where = node.inputs | node.active
    fork = _fork_before(game, problem, where)
    if fork is None:
        routes = "Twee routes die tegelijk lopen"
    elif fork.kind == "boundary":
        routes = (f"De route na {describe(fork.element)} (die {describe(fork.host.element)} niet onderbreekt) en de "
                  f"verdere route van {describe(fork.host.element)}")
    else:
        routes = f"Routes die na {describe(fork.element)} tegelijk lopen,"
    twice = "die stap" if merge is target else describe(target.element)
    return (f"{routes} komen bij {describe(merge.element)} samen zonder op elkaar te wachten, zodat {twice} en "
            f"alles daarna twee keer zou worden uitgevoerd (een brief twee keer verstuurd, twee besluiten). "
            f"{REMEDY_TWICE}")


def issues(path: str, root: etree._Element) -> list[ValidationIssue]:
    """The first deadlock or lack of synchronisation in each process and embedded subprocess of a BPMN file."""
    out = []
    for container in root.iter():
        if not isinstance(container.tag, str) or _local(container) not in CONTAINERS \
                or etree.QName(container).namespace != BPMN_NS:
            continue
        game = _Game(_Scope(container))
        problem = game.run()
        if problem is None:
            continue
        element = container if problem.kind == "size" else problem.node.element
        out.append(ValidationIssue(path, _message(game, problem), element.get("id"), element.sourceline))
    return out
