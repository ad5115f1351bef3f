"""Tasks: claim, unclaim, assign, open the form and complete it (``engine.worklist``, ``engine.cases``)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from engine.cases import completed, field_classes, triage
from engine.cases import letters as case_letters
from engine.cases import persons
from engine.cases import service as cases
from engine.cases import task_read
from engine.cases.models import Case
from engine.errors import DomainError, FieldError, InvalidData, NotFound, TaskNotReady
from engine.identity import access
from engine.identity import service as identity
from engine.identity.models import User
from engine.identity.roles import ROLES
from engine.processes import service as processes
from engine.worklist import drafts
from engine.worklist import service as worklist
from engine.worklist.models import WorkItem
from web import forms
from web.pages.common import (back_url, case_summary, checked_form, domain_error, due_state, due_text, FormDep,
                              get_database, local_moment, login_required, not_found, render, user_name, with_message,
                              waiting_rows, worklist_rows)

router = APIRouter(include_in_schema=False)




def _task_action(request: Request, form: FormData, item_id: int, action, message: str):
    """Claim or unclaim in one click, then back to where the user came from with a message."""
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            access.visible_task(session=s, user=web.user, work_item_id=item_id, claiming=action is worklist.claim)
            item = action(session=s, work_item_id=item_id, user=web.user)
            text = message.format(naam=item.name)
    except DomainError as exc:
        return domain_error(request, exc)
    return RedirectResponse(with_message(back_url(form), text), status_code=303)


@router.post("/taken/{item_id:id}/oppakken")
def claim(request: Request, item_id: int, form: FormDep):
    return _task_action(request, form, item_id, worklist.claim, "U heeft de taak ‘{naam}’ opgepakt.")


@router.post("/taken/{item_id:id}/teruggeven")
def unclaim(request: Request, item_id: int, form: FormDep):
    return _task_action(request, form, item_id, worklist.unclaim, "De taak ‘{naam}’ staat weer open voor de rol.")


@router.post("/taken/{item_id:id}/toewijzen")
def assign(request: Request, item_id: int, form: FormDep):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            access.visible_task(session=s, user=web.user, work_item_id=item_id, need_case=True)
            username = str(form.get("medewerker") or "")
            try:
                assignee = identity.get_user(session=s, username=username)
            except NotFound:
                raise InvalidData([FieldError("medewerker", "kies een medewerker")]) from None
            item = worklist.assign(session=s, work_item_id=item_id, by=web.user, assignee=assignee,
                                   reason=str(form.get("reden") or ""))
            text = f"De taak ‘{item.name}’ is toegewezen aan {assignee.display_name}."
    except DomainError as exc:
        return domain_error(request, exc)
    return RedirectResponse(with_message(back_url(form), text), status_code=303)


# --------------------------------------------------------------------------- taak

def _task_to_work_on(session: Session, user: User, item_id: int) -> tuple[WorkItem | None, Case | None]:
    """A task ``user`` may work on and its case (``access.task_to_work_on``); None: the page answers 404."""
    try:
        return access.task_to_work_on(session=session, user=user, work_item_id=item_id)
    except NotFound:
        return None, None


def _task_context(session: Session, seen: access.TaskAccess, user: User, *, raw: dict | None = None,
                  errors: dict | None = None, labels: dict | None = None) -> dict:
    """The form of a task ``user`` may work on (``seen``: ``access.task_access`` deciding ``works``), as the engine's
    work view gives it (``engine.cases.task_read.task_work``: the stored projection, the form's confidential fields
    prefilled only for who reads the originals, that read audited), the same as ``GET /api/v1/taken/{id}``.
    ``raw``: the values the user typed (a draft, a refused send): shown as typed, nothing confidential read.
    ``labels``: the refused fields as the engine named them (a field outside this form, by another form's title)."""
    item, case = seen.item, seen.case
    work = task_read.task_work(session=session, user=user, seen=seen, page="taak", prefill=raw is None)
    schema, data = work.form, work.values
    fields = forms.build_fields(schema, data, errors=errors, raw=raw) if schema else []
    people = [f for f in fields if f.widget == "persoon"]
    if people:  # parties are persons: suggest the organisation's users (engine.cases.persons)
        options = [(u.username, f"{u.display_name}" + (f" ({u.unit})" if u.unit else ""))
                   for u in persons.candidates(session)] + [(persons.EXTERNAL, "Extern of onbekend")]
        for f in people:
            f.options = options
    ctx = {"item": item, "case": case, "schema": schema or {}, "fields": fields, "errors": errors or {},
           "summary": case_summary(session, case, user), "role_label": ROLES.get(item.role, item.role),
           "due": due_text(item.due_at) if item.due_at else None, "due_state": due_state(item.due_at),
           "precedents": work.precedents,
           "assignee": user_name(session, item.assignee_id),
           "general_errors": {(labels or {}).get(k, k): v for k, v in (errors or {}).items()
                              if k.split(".")[0] not in (schema or {}).get("properties", {})}}
    return ctx


def _completed_page(request: Request, s: Session, web, item: WorkItem, melding: str = ""):
    """A completed task, read-only, as the engine's view gives it (``engine.cases.completed``): for everyone
    who may see the case, with the confidentiality classes applied."""
    try:
        done = completed.completed_task(session=s, user=web.user, case_id=item.case_id, work_item_id=item.id,
                                        page="taak")
    except NotFound:
        return not_found(request, web.user, web)
    fields = forms.readonly_fields(done.schema or {}, done.values, hidden=done.hidden, pending=done.not_redacted,
                                   pending_text=field_classes.NOT_REDACTED)
    return render(request, "taak_ingevuld.html", user=web.user, web=web, item=item, done=done, fields=fields,
                  case=done.case, melding=melding)


def _read_page(request: Request, s: Session, web, seen: access.TaskAccess, melding: str = ""):
    """An open task ``web.user`` may only read (a colleague's, or one of a pool not theirs, in a case they may see):
    its form and data read-only, the same values as ``GET /api/v1/taken/{id}`` (``engine.cases.task_read``)."""
    read = task_read.task_read(session=s, user=web.user, seen=seen, page="taak-inzien")
    fields = forms.readonly_fields(read.form or {}, read.values, hidden=read.hidden, pending=read.not_redacted,
                                   pending_text=field_classes.NOT_REDACTED)
    item = seen.item
    return render(request, "taak_inzien.html", user=web.user, web=web, item=item, case=seen.case, read=read,
                  fields=fields, melding=melding, role_label=ROLES.get(item.role, item.role),
                  assignee=user_name(s, item.assignee_id),
                  due=due_text(item.due_at) if item.due_at else None, due_state=due_state(item.due_at))


@router.get("/taken/{item_id:id}", response_class=HTMLResponse)
def task_page(request: Request, item_id: int, melding: str = ""):
    with get_database().read_session() as s:  # a pure read (web.pages.common.WebDatabase)
        web = login_required(request, s)
        try:  # the engine's one decision on a task, the API's too: work on it, read it, or nothing; with the
            # need to know of the case file and its confidential row (held by ``seen`` while the page is made)
            seen = access.task_access(session=s, user=web.user, work_item_id=item_id, reading=True)
        except NotFound:
            return not_found(request, web.user, web)
        item = seen.item
        if item.state == "completed" and seen.sees_case:
            return _completed_page(request, s, web, item, melding=melding)
        if item.state == "completed":  # one's own task of an instance that is no case (a risk inventory)
            return _read_page(request, s, web, seen, melding=melding)
        if item.state != "open":
            return render(request, "fout.html", status_code=409, user=web.user, web=web,
                          title="Deze taak is al afgerond",
                          detail="Bekijk de zaak voor de volgende stap.", case_id=item.case_id)
        if not seen.works:
            return _read_page(request, s, web, seen, melding=melding)
        if item.assignee_id is None:  # triage before claiming: the case as this user may see it (engine)
            outline = triage.task_outline(session=s, user=web.user, item=item, page="taak-oppakken")
            return render(request, "taak_oppakken.html", user=web.user, web=web, item=item, outline=outline,
                          melding=melding, role_label=ROLES.get(item.role, item.role), due=due_state(item.due_at),
                          due_date=due_text(item.due_at) if item.due_at else None,
                          reference=outline.reference, not_redacted_text=field_classes.NOT_REDACTED)
        draft = drafts.load(session=s, user=web.user, item=item)
        if draft is not None:  # the user's own draft, as typed
            values, saved_at = draft
            return render(request, "taak.html", user=web.user, web=web, draft_saved_at=local_moment(saved_at),
                          melding=melding, **_task_context(s, seen, web.user, raw=values))
        return render(request, "taak.html", user=web.user, web=web, melding=melding,
                      **_task_context(s, seen, web.user))


@router.post("/taken/{item_id:id}/concept")
def save_draft(request: Request, item_id: int, form: FormDep):
    """'Concept opslaan': the form as typed, kept for this user and task (``engine.worklist.drafts``)."""
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            # who may read the task is told why they may not save a draft (engine.worklist.drafts: 403, or 409 done)
            seen = access.task_access(session=s, user=web.user, work_item_id=item_id)
            item, case = seen.item, seen.case
            parsed = processes.parsed_version(session=s, version_id=case.process_version_id)
            schema = parsed.forms.get(item.form) if item.form else {}
            _, raw = forms.parse_submission(schema or {}, form)
            raw = {k: [row for row in v if any(row.values())] if isinstance(v, list) and v and isinstance(v[0], dict)
                   else v for k, v in raw.items()}  # empty rows are not kept; the form adds one again
            drafts.save(session=s, user=web.user, item=item, values=raw)
    except DomainError as exc:
        return domain_error(request, exc)
    return RedirectResponse(with_message(f"/taken/{item_id}", "Uw concept is opgeslagen."), status_code=303)


ALREADY_DONE = "Deze taak had u al afgerond; het formulier is niet nog eens verwerkt. Hieronder staat wat is vastgelegd."


def done_by_this_user(db, item_id: int, user_id: int) -> bool:
    """The task was completed by this user (``access.done_by``): a second send of their form is not an error."""
    with db.read_session() as s:
        return access.done_by(session=s, user=identity.get_user(session=s, user_id=user_id), work_item_id=item_id)


def _already_done(item_id: int) -> RedirectResponse:
    return RedirectResponse(with_message(f"/taken/{item_id}", ALREADY_DONE), status_code=303)


@router.post("/taken/{item_id:id}", response_class=HTMLResponse)
def task_submit(request: Request, item_id: int, form: FormDep):
    db = get_database()
    try:
        with db.session() as s:
            web = login_required(request, s)
            checked_form(form, web)
    except DomainError as exc:
        return domain_error(request, exc)
    with db.session() as s:
        web = login_required(request, s)
        if access.done_by(session=s, user=web.user, work_item_id=item_id):
            return _already_done(item_id)  # the same form sent again (a double click, a reload)
        item, case = _task_to_work_on(s, web.user, item_id)
        if case is None:
            return not_found(request, web.user, web)
        parsed = processes.parsed_version(session=s, version_id=case.process_version_id)
        schema = parsed.forms.get(item.form) if item.form else {}
        data, raw = forms.parse_submission(schema or {}, form)
        user_id, case_id = web.user.id, case.id
        before_letters = {l.id for l in case_letters.visible_letters(session=s, user=web.user, case_id=case_id)}
    try:
        with db.session() as s:
            user = identity.get_user(session=s, user_id=user_id)
            cases.complete_task(session=s, work_item_id=item_id, user=user, data=data)
    except TaskNotReady as exc:
        if done_by_this_user(db, item_id, user_id):  # sent twice at once: the other send completed it
            return _already_done(item_id)
        return domain_error(request, exc)
    except InvalidData as exc:
        with db.session() as s:
            web = login_required(request, s)
            try:
                seen = access.task_access(session=s, user=web.user, work_item_id=item_id)
            except NotFound:
                seen = None
            if seen is None or not seen.works:
                return not_found(request, web.user, web)
            ctx = _task_context(s, seen, web.user, raw=raw, errors=forms.error_map(exc.errors),
                                labels={e.field: e.label for e in exc.errors if e.label})
            return render(request, "taak.html", status_code=422, user=web.user, web=web, invalid=True, **ctx)
    except DomainError as exc:
        return domain_error(request, exc)
    with db.session() as s:
        web = login_required(request, s)
        user = web.user
        try:
            item, case, open_items = worklist.after_step(session=s, user=user, work_item_id=item_id)
        except NotFound:
            return not_found(request, user, web)
        next_items = worklist_rows(s, open_items, user,
                                   references={case.id: case.reference})
        new_letters = [l for l in case_letters.visible_letters(session=s, user=user, case_id=case_id)
                       if l.id not in before_letters]
        letters_waiting = waiting_rows(case_letters.visible_waiting(session=s, user=user, case_id=case_id))
        return render(request, "taak_afgerond.html", user=user, web=web, item=item, case=case,
                      next_items=next_items, new_letters=new_letters, letters_waiting=letters_waiting,
                      case_visible=access.can_see_case(session=s, user=user, case_id=case_id))
