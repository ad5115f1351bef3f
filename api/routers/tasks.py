"""Worklists and tasks: my tasks, unassigned in my roles, overdue; claim, unclaim, assign, complete; form schema.

A task is visible to a user who may see its case, or (while it is open and unassigned) to a user holding its
role who is not excluded from the case (the pool). Everyone else gets 404.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from api.deps import CurrentUser, SessionDep, UnitOfWorkRoute, read_only
from api.routers.common import MAX_LIMIT, errors
from api.schemas.casework import (AssignIn, CaseOutlineOut, CompletedOut, CompleteIn, TaskDetailOut,
                                   WorkItemOut)
from engine.cases import service as cases
from engine.cases import task_read
from engine.cases import triage
from engine.cases.models import Case
from engine.errors import FieldError, InvalidData, NotFound, StaleCase
from engine.identity import access
from engine.identity import service as identity
from engine.identity.models import User
from engine.processes import service as processes
from engine.worklist import service as worklist
from engine.worklist.models import WorkItem

router = APIRouter(prefix="/taken", tags=["taken"], route_class=UnitOfWorkRoute)

TaskId = Annotated[int, Path(title="Taak", ge=1, le=2**31 - 1, description="Taak-id")]
Limit = Annotated[int, Query(title="Aantal per pagina", ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Query(title="Beginpositie", ge=0, le=1_000_000)]


def visible_task(*, session, user: User, work_item_id: int, claiming: bool = False) -> WorkItem:
    return access.visible_task(session=session, user=user, work_item_id=work_item_id, claiming=claiming)


After = Annotated[str | None, Query(title="Na (volgende pagina)", max_length=400, description=(
    "Vervolgpositie: uit de Link-kop (rel=\"next\") van de vorige pagina (keyset; stabiel als er taken bijkomen "
    "of afgaan; offset wordt dan genegeerd)"))]
PAGED = {"headers": {"Link": {"description": "<…?na=…>; rel=\"next\" als er een volgende pagina is",
                              "schema": {"type": "string"}}}}


def _page(request: Request, response: Response, items: list[WorkItem], limit: int) -> list[WorkItemOut]:
    """One page of ``limit`` items (``items`` holds one more when there is a next page): the next page's keyset
    position goes in a Link header (the body stays a plain list for existing clients)."""
    if len(items) > limit:
        items = items[:limit]
        _next_link(request, response, worklist.position(items[-1]), limit)
    return [WorkItemOut.of(i) for i in items]


def _next_link(request: Request, response: Response, after: str | None, limit: int) -> None:
    """The next page's keyset position (None: no next page) in a Link header."""
    if after:
        url = request.url.remove_query_params(["na", "offset"]).include_query_params(na=after, limit=limit)
        response.headers["Link"] = f'<{url.path}?{url.query}>; rel="next"'


@router.get("/mijn", response_model=list[WorkItemOut], summary="Mijn taken",
            responses={200: PAGED, **errors(401, 422)})
@read_only
def my_tasks(request: Request, response: Response, user: CurrentUser, session: SessionDep, limit: Limit = 100,
             offset: Offset = 0, na: After = None) -> list[WorkItemOut]:
    return _page(request, response, worklist.my_tasks(session=session, user=user, limit=limit + 1, offset=offset,
                                                      after=na), limit)


@router.get("/onverdeeld", response_model=list[WorkItemOut], summary="Niet toegewezen taken in mijn rollen",
            responses={200: PAGED, **errors(401, 422)})
@read_only
def unassigned(request: Request, response: Response, user: CurrentUser, session: SessionDep, limit: Limit = 100,
               offset: Offset = 0, na: After = None) -> list[WorkItemOut]:
    # the engine's page: whether a next one exists comes from the ordered pool, not from the length of the tasks the
    # user may take (the separation of duties leaves some out; a short page must not hide the rest)
    page = worklist.pool_page(session=session, user=user, limit=limit, offset=offset, after=na)
    _next_link(request, response, page.next_after, limit)
    return [WorkItemOut.of(i) for i in page.items]


@router.get("/te-laat", response_model=list[WorkItemOut], summary="Taken over hun termijn",
            responses={200: PAGED, **errors(401, 422)})
@read_only
def overdue(request: Request, response: Response, user: CurrentUser, session: SessionDep, limit: Limit = 100,
            offset: Offset = 0, na: After = None) -> list[WorkItemOut]:
    return _page(request, response, worklist.overdue(session=session, user=user, limit=limit + 1, offset=offset,
                                                     after=na), limit)


def _form(session, case: Case, item: WorkItem) -> dict | None:
    """The task's form; ``case``: its case as the access decision gave it (``access.task_access``)."""
    parsed = processes.parsed_version(session=session, version_id=case.process_version_id)
    return parsed.forms.get(item.form) if item.form else None


@router.get("/{task_id}", response_model=TaskDetailOut, summary="Taak met formulier, gegevens en (bij sanctieadvies) precedenten",
            responses=errors(401, 404))
@read_only
def task_detail(task_id: TaskId, user: CurrentUser, session: SessionDep) -> TaskDetailOut:
    # item, case, permission and the need to know of the case file: one query
    seen = access.task_access(session=session, user=user, work_item_id=task_id, reading=True)
    return _detail(session, user, seen)


_DECISION = {"work": "bewerken", "read": "inzien"}  # access.TaskAccess.decision, in the API's words


def _detail(session, user: User, seen: access.TaskAccess) -> TaskDetailOut:
    item, case = seen.item, seen.case
    # A task not yet claimed: the case's outline as this user may see it to decide whether to take it (the
    # engine's one door for it, the same as the web page 'Taak oppakken'; its substance read audited).
    outline = (CaseOutlineOut.of(triage.task_outline(session=session, user=user, item=item,
                                                     page="api-taak-oppakken"))
               if item.assignee_id is None and item.state == "open" else None)
    if not seen.sees_case and case.process_kind is not None and item.assignee_id == user.id:
        # One's own task of another process's instance (a risk inventory is no case, access.task_access): its data,
        # as the web's task page shows them to whoever works on it (before, the API gave none: no functions to
        # decide on), with the choices they offer (x-keuzes-uit).
        read = task_read.task_read(session=session, user=user, seen=seen, page="api-taak")
        return TaskDetailOut(taak=WorkItemOut.of(item), toegang=_DECISION[seen.decision], zaakversie=case.version,
                             formulier=read.form, gegevens=read.values, precedenten=None, zaakoverzicht=outline)
    if not seen.sees_case:
        # A pool task of one's role: the task and its form, but no case content until claimed (need to know).
        return TaskDetailOut(taak=WorkItemOut.of(item), toegang=_DECISION[seen.decision], zaakversie=case.version,
                             formulier=_form(session, case, item),
                             gegevens={}, precedenten=None, zaakoverzicht=outline)
    # Who works on it, once claimed: the engine's work view (engine.cases.task_read.task_work), the same as the web's
    # task form: the form's confidential fields prefilled with their originals only for who may read them
    # (completing with what was read keeps them). An unclaimed pool task is not worked on yet: the web shows its
    # claim page there (the outline), the API the read below, and the form is prefilled after the claim. Who only
    # reads it: the case file as they may read it (engine.cases.task_read), the same
    # as the web's read-only view of a colleague's open task. A task in one instance of a multi-instance subprocess
    # shows its own item (e.g. its witness).
    works = seen.works and item.assignee_id == user.id
    read = (task_read.task_work(session=session, user=user, seen=seen, page="api-taak") if works
            else task_read.task_read(session=session, user=user, seen=seen, page="api-taak"))
    return TaskDetailOut(taak=WorkItemOut.of(item), toegang=_DECISION[seen.decision], zaakversie=case.version,
                         formulier=read.form, gegevens=read.values, precedenten=read.precedents,
                         zaakoverzicht=outline)


@router.get("/{task_id}/formulier", response_model=dict, summary="JSON Schema van het formulier van de taak",
            responses=errors(401, 404))
@read_only
def task_form(task_id: TaskId, user: CurrentUser, session: SessionDep, request: Request, response: Response):
    """With an ``ETag`` (the process version's content hash and the form's name: a deployed form never changes);
    ``If-None-Match`` with that tag answers 304 without the schema. Access is checked on every request."""
    seen = access.task_access(session=session, user=user, work_item_id=task_id)
    item = seen.item
    form = _form(session, seen.case, item)
    if form is None:
        raise NotFound("Deze taak heeft geen formulier.")
    tag = _form_etag(session, seen.case, item)
    headers = {"ETag": tag, "Cache-Control": "private, no-cache"}
    if tag in {t.strip() for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return form


def _form_etag(session, case: Case, item: WorkItem) -> str:
    import hashlib

    digest = processes.version_hash(session=session, version_id=case.process_version_id)
    return '"' + hashlib.sha256(f"{digest}:{item.form}".encode()).hexdigest()[:32] + '"'


@router.post("/{task_id}/claimen", response_model=WorkItemOut, summary="Taak oppakken", responses=errors(401, 403, 404, 409))
def claim(task_id: TaskId, user: CurrentUser, session: SessionDep) -> WorkItemOut:
    seen = access.task_access(session=session, user=user, work_item_id=task_id, claiming=True)
    return WorkItemOut.of(worklist.claim(session=session, work_item_id=task_id, user=user, seen=seen))


@router.post("/{task_id}/claimen-en-openen", response_model=TaskDetailOut,
             summary="Taak oppakken en meteen openen (één verzoek: de taak zoals GET /taken/{id} haar geeft)",
             responses=errors(401, 403, 404, 409))
def claim_and_open(task_id: TaskId, user: CurrentUser, session: SessionDep) -> TaskDetailOut:
    seen = access.task_access(session=session, user=user, work_item_id=task_id, claiming=True, reading=True)
    worklist.claim(session=session, work_item_id=task_id, user=user, seen=seen)
    return _detail(session, user, access.claimed_task_access(seen, user=user))


@router.post("/{task_id}/vrijgeven", response_model=WorkItemOut, summary="Taak teruggeven aan de pool",
             responses=errors(401, 403, 404, 409))
def unclaim(task_id: TaskId, user: CurrentUser, session: SessionDep) -> WorkItemOut:
    visible_task(session=session, user=user, work_item_id=task_id)
    return WorkItemOut.of(worklist.unclaim(session=session, work_item_id=task_id, user=user))


@router.post("/{task_id}/toewijzen", response_model=WorkItemOut, summary="Taak toewijzen (integriteitscoördinator, met reden)",
             responses=errors(401, 403, 404, 409, 422))
def assign(task_id: TaskId, body: AssignIn, user: CurrentUser, session: SessionDep) -> WorkItemOut:
    access.visible_task(session=session, user=user, work_item_id=task_id, need_case=True)
    assignee = identity.find_user(session=session, user_id=body.medewerker_id)
    if assignee is None or not assignee.active:
        raise InvalidData([FieldError("medewerker_id", "Onbekende of uitgeschakelde medewerker.")])
    return WorkItemOut.of(worklist.assign(session=session, work_item_id=task_id, by=user, assignee=assignee,
                                          reason=body.reden))


@router.post("/{task_id}/afronden", response_model=CompletedOut,
             summary="Taak afronden met formuliergegevens (422 ongeldige velden, 409 verouderd of al afgerond, 403 belangenconflict)",
             responses=errors(401, 403, 404, 409, 413, 422))
def complete(task_id: TaskId, body: CompleteIn, user: CurrentUser, session: SessionDep) -> CompletedOut:
    # the access decision is the step's locked read of item and case (one query, issue 25)
    seen = access.task_access(session=session, user=user, work_item_id=task_id, for_step=True)
    item, case = seen.item, seen.case
    if body.zaakversie is not None and body.zaakversie != case.version:
        raise StaleCase("De zaak is intussen gewijzigd; laad de taak opnieuw.")
    case = cases.complete_task(session=session, work_item_id=item.id, user=user, data=body.gegevens, seen=seen)
    session.flush()
    # the updated worklist entries: the client removes the completed one and adds its next ones, no reload
    # (the case's open tasks and the user's among them: one query)
    open_items, own = worklist.open_in_case(session=session, user=user, case_id=case.id)
    mine = [WorkItemOut.of(i) for i in own]
    return CompletedOut(zaak_id=case.id, zaakstatus=case.status, zaakversie=case.version,
                        open_taken=[WorkItemOut.of(i) for i in open_items],
                        afgeronde_taak=WorkItemOut.of(item), mijn_vervolgtaken=mine,
                        volgende_taak=mine[0] if mine else None)
