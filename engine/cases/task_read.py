"""A task's form and data as one user may read them (:func:`task_read`) or work on them (:func:`task_work`): the
API's ``GET /taken/{id}`` and the web's task pages give the same values (issue 16: one door per resource).

Only for who may see the task's case (``access.task_access`` answered with ``sees_case``). The values are the
task's stored projection (``engine.cases.service.task_view``) without any field of a confidentiality class, plus the
report's substance as this user may read it (``engine.cases.field_classes.case_view``: the original for who may see
the reporter's identity, the desk's redacted version for everyone else, nothing while it is not redacted). Identity
fields are never in a task's data, whoever reads it: the case page shows the identity to who may see it.

The work view (:func:`task_work`, for who may work on the task: ``access.TaskAccess.works``) is the form as it is
to be completed: the same projection, plus the form's own confidential fields prefilled with their originals for who
may read them (``field_classes.case_view``: ``identity_allowed``), and for nobody else; never a redacted text, which
would replace the original when the task is completed. The web's task form and the API's task detail both take it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from engine import forms as engine_forms
from engine.cases import field_classes
from engine.cases import precedents as precedents_mod
from engine.cases import service as cases
from engine.identity import access
from engine.identity.models import User


@dataclass
class TaskRead:
    form: dict | None  # the task's form (JSON Schema), with the choices an earlier step entered (x-keuzes-uit)
    values: dict  # what this user may read, JSON-ready
    hidden: list[str] = field(default_factory=list)  # the form's identity fields: never in a task's data
    not_redacted: list[str] = field(default_factory=list)  # the form's substance fields not yet redacted for them
    precedents: list[dict] | None = None  # only for a task that shows them (BPMN ``shows_precedents``)


def _form_and_data(session: Session, seen: access.TaskAccess) -> tuple[dict | None, dict[str, str], dict]:
    """The task's form (with the choices an earlier step entered), the case's confidential field classes, and the
    task's stored projection without any confidential field: what both views start from."""
    from engine.processes import service as processes

    item, case = seen.item, seen.case
    parsed = processes.parsed_version(session=session, version_id=case.process_version_id)
    form = parsed.forms.get(item.form) if item.form else None
    classes = field_classes.case_classes(session, case)
    data = cases.task_view(session=session, item=item, case=case, has_state=seen.has_state)
    data = {k: v for k, v in data.items() if k not in classes and k != "instellingen"}
    return engine_forms.with_data_choices(form, data), classes, data


def task_read(*, session: Session, user: User, seen: access.TaskAccess, page: str) -> TaskRead:
    """The task of ``seen`` (``access.task_access`` for ``user``) as ``user`` may read it: who sees its case, or
    the holder of a task of another process's instance (a risk inventory is no case: its own task is all they see
    of it); the substance read is audited with ``page``."""
    item, case = seen.item, seen.case
    own_instance_task = case.process_kind is not None and item.assignee_id == user.id
    if not seen.sees_case and not own_instance_task:
        raise ValueError("task_read: only for who may see the task's case, or their own task (access.task_access)")
    form, classes, data = _form_and_data(session, seen)
    fields = set(((form or {}).get("properties") or {}))
    if not seen.sees_case:  # one's own task of an instance: its data, no case file, no precedents
        return TaskRead(form=form, values=json.loads(json.dumps(data, default=str)),
                        hidden=sorted(k for k in fields if k in classes))
    # Only the substance is shown here (identity is never in a task's data): only its read is audited, so the audit
    # trail never says someone read the reporter's identity on a page that did not show it.
    view = field_classes.case_view(session=session, user=user, case=case, audited=False, seen=seen)
    field_classes.audit_shown(session, user=user, case_id=case.id, view=view, identity={}, substance=view.substance,
                              page=page)
    data.update(view.substance)
    found = precedents_mod.for_task(session=session, case=case, element_id=item.element_id, user=user)
    if found is not None:
        data["precedenten"] = found
    hidden = sorted(k for k in fields if k in classes and classes[k] != field_classes.SUBSTANCE)
    pending = sorted(k for k in fields if classes.get(k) == field_classes.SUBSTANCE and k not in view.substance)
    return TaskRead(form=form, values=json.loads(json.dumps(data, default=str)), hidden=hidden,
                    not_redacted=pending, precedents=found)


def task_work(*, session: Session, user: User, seen: access.TaskAccess, page: str, prefill: bool = True) -> TaskRead:
    """The task of ``seen`` (``access.task_access`` for ``user``, deciding ``works``) as ``user`` works on it: the
    stored projection with the choices an earlier step entered, and the form's confidential fields prefilled with
    their originals exactly when ``user`` may read the reporter's identity (``field_classes.case_view``); what is
    prefilled is audited once with ``page``. ``prefill=False``: the form is shown with values the user typed (a
    draft, a refused send), so no confidential value is read. ``hidden``/``not_redacted``: the form's confidential
    fields left empty (identity, substance). Precedents for a task that shows them, to who sees the case."""
    if not seen.works:
        raise ValueError("task_work: only for who may work on the task (access.task_access(...).works)")
    item, case = seen.item, seen.case
    form, classes, data = _form_and_data(session, seen)
    secret = {k for k in ((form or {}).get("properties") or {}) if k in classes}
    if secret and prefill and seen.sees_case:
        # one read of the case's confidential record; only the originals, and only for who may read them
        view = field_classes.case_view(session=session, user=user, case=case, audited=False, seen=seen)
        if view.identity_allowed:
            identity = {k: v for k, v in view.identity.items() if k in secret}
            substance = {k: v for k, v in view.substance.items() if k in secret}
            data.update(identity)
            data.update(substance)
            field_classes.audit_shown(session, user=user, case_id=case.id, view=view, identity=identity,
                                      substance=substance, page=page)
    found = None
    if seen.sees_case:
        found = precedents_mod.for_task(session=session, case=case, element_id=item.element_id, user=user)
        if found is not None:
            data["precedenten"] = found
    hidden = sorted(k for k in secret if k not in data and classes[k] != field_classes.SUBSTANCE)
    pending = sorted(k for k in secret if k not in data and classes[k] == field_classes.SUBSTANCE)
    return TaskRead(form=form, values=json.loads(json.dumps(data, default=str)), hidden=hidden,
                    not_redacted=pending, precedents=found)
