"""The case page (need to know: ``engine.identity.access``) and messages from the desk to the reporter."""
from __future__ import annotations


from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from engine.cases import attachments, field_classes, notes
from engine.cases import letters as case_letters
from engine.cases import service as cases
from engine.cases.models import Case
from engine.cases.timeline import case_timeline
from engine.contact import service as contact
from engine.errors import DomainError, InvalidData, NotAuthorized
from engine.identity import access
from engine.identity.models import User
from engine.identity.roles import ROLES
from engine.intake import service as intake
from engine.processes import service as processes
from engine.processes.models import ProcessVersion
from engine.processes.names import version_names
from engine.timers import service as timers
from engine.worklist import service as worklist
from web import forms
from web.pages import records as records_page
from web.pages.common import (case_summary, checked_form, domain_error, due_state, due_text, form_int,
                              FormDep, get_database, not_found, render, user_name, visible_case, waiting_rows,
                              with_message)

router = APIRouter(include_in_schema=False)


# Kinds of events (the timeline's filter) and their Dutch names, by the audit trail's action codes.
KINDS = {"taken": "Taken", "brieven": "Brieven", "berichten": "Berichten en bijlagen", "inzage": "Inzage",
         "zaak": "Zaak en termijnen"}
ACTIONS = {  # action code -> (kind, Dutch label)
    "report.submitted": ("zaak", "Melding ontvangen"), "case.started": ("zaak", "Zaak gestart"),
    "case.closed": ("zaak", "Zaak afgesloten"), "case.party_linked": ("zaak", "Persoon aan de zaak gekoppeld"),
    "timer.fired": ("zaak", "Termijn verstreken"), "case.migrated": ("zaak", "Zaak naar een nieuwe procesversie gezet"), "legal.date_corrected": ("zaak", "Wettelijke datum gecorrigeerd"),
    "bewaarplicht.ingesteld": ("zaak", "Bewaarplicht ingesteld"),
    "bewaarplicht.opgeheven": ("zaak", "Bewaarplicht opgeheven"),
    "task.created": ("taken", "Taak klaargezet"), "task.claimed": ("taken", "Taak opgepakt"),
    "task.unclaimed": ("taken", "Taak teruggegeven"), "task.assigned": ("taken", "Taak toegewezen"),
    "task.auto_assigned": ("taken", "Taak automatisch toegewezen"), "task.completed": ("taken", "Taak afgerond"),
    "task.cancelled": ("taken", "Taak vervallen"),
    "letter.rendered": ("brieven", "Brief gemaakt"), "letter.corrected": ("brieven", "Brief gecorrigeerd"),
    "letter.downloaded": ("inzage", "Brief gedownload"), "document.read": ("inzage", "Brief gedownload"),
    "document.integrity_failed": ("brieven", "Brief niet uitgeleverd: controlewaarde klopt niet"),
    "message.to_reporter": ("berichten", "Bericht aan melder"),
    "message.from_reporter": ("berichten", "Bericht van melder"),
    "attachment.added": ("berichten", "Bijlage van melder toegevoegd"),
    "file.added": ("zaak", "Bestand toegevoegd aan het dossier"), "attachment.read": ("inzage", "Bestand gedownload"),
    "note.added": ("zaak", "Interne notitie toegevoegd"), "note.edited": ("zaak", "Interne notitie gewijzigd"),
    "identity.read": ("inzage", "Vertrouwelijke gegevens ingezien"),
    "confidential.read": ("inzage", "Vertrouwelijke gegevens ingezien"),
    "confidential.redacted": ("zaak", "Geredigeerde versie vastgelegd"),
    "identity.reveal_requested": ("zaak", "Verzoek om de identiteit van de melder bekend te maken"),
    "identity.reveal_approved": ("zaak", "Bekendmaking van de identiteit goedgekeurd"),
    "identity.reveal_refused": ("zaak", "Bekendmaking van de identiteit geweigerd"),
    "identity.reporter_letter": ("brieven", "Kennisgeving aan de melder over bekendmaking"),
    "identity.reporter_informed": ("zaak", "Melder geïnformeerd over bekendmaking"),
    "ontvangstcode.verwijderd": ("zaak", "Ontvangstcode verwijderd"),
    "meeting.requested": ("berichten", "Melder vraagt om een gesprek"),
    "oral_report.registered": ("berichten", "Mondelinge melding vastgelegd; verslag aan de melder voorgelegd"),
    "oral_report.revised": ("berichten", "Nieuwe versie van het verslag aan de melder voorgelegd"),
    "oral_report.corrected": ("berichten", "Melder stuurde correcties op het verslag"),
    "oral_report.signed": ("berichten", "Melder ondertekende het verslag"),
    "follow_up.planned": ("zaak", "Nazorg na afsluiting gepland"),
    "follow_up.sent": ("berichten", "Nazorgvraag aan de melder"),
    "follow_up.answered": ("berichten", "Melder beantwoordde de nazorgvraag"),
    "follow_up.signal_handled": ("zaak", "Signaal van benadeling afgehandeld"),
    "oral_report.term_passed": ("zaak", "Termijn van het verslag verstreken zonder handtekening"),
    "oral_report.reminded": ("berichten", "Melder herinnerd aan het verslag; de termijn begint opnieuw"),
    "oral_report.not_signed": ("berichten", "Vastgelegd dat de melder het verslag niet heeft ondertekend"),
    "contact_task.opened": ("zaak", "Taak bij het contact met de melder geopend"),
    "contact_task.claimed": ("zaak", "Taak bij het contact met de melder opgepakt"),
    "contact_task.completed": ("zaak", "Taak bij het contact met de melder afgerond"),
    "contact_task.cancelled": ("zaak", "Taak bij het contact met de melder vervallen"),
}
COLLAPSED = "inzage"  # reads: one line per person and day, with a count


def _bpmn_files(version: ProcessVersion) -> list[str]:
    return [f.path for f in version.files if f.path.endswith(".bpmn")]


def _element_file(version: ProcessVersion, element_id: str) -> str | None:
    needle = f'id="{element_id}"'.encode()
    for f in version.files:
        if f.path.endswith(".bpmn") and needle in f.content:
            return f.path
    return None


# --------------------------------------------------------------------------- zaak

def _event_line(e) -> dict:
    kind, label = ACTIONS.get(e.action, ("zaak", "Gebeurtenis"))
    text = e.subject or ""
    if e.action == "task.assigned":
        text = f"{text} → {e.assignee_name or ''}" + (f" (reden: {e.details.get('reden')})"
                                                      if e.details.get("reden") else "")
    return {"at": e.at, "actor": e.actor_name or e.actor, "action": label, "text": text, "kind": kind, "count": 1}


def _timeline(s: Session, case: Case, user: User, kind: str = "") -> dict:
    """The case's events as the API gives them (``engine.cases.timeline``), in Dutch: newest first, grouped
    per day (Europe/Amsterdam), reads collapsed into one line per person per day, filterable by kind."""
    lines = [_event_line(e) for e in case_timeline(session=s, user=user, case_id=case.id)]
    counts = {k: sum(1 for l in lines if l["kind"] == k) for k in KINDS}
    if kind in KINDS:
        lines = [l for l in lines if l["kind"] == kind]
    days: list[dict] = []
    for line in reversed(lines):
        day = forms.local_day(line["at"])
        if not days or days[-1]["day"] != day:
            days.append({"day": day, "lines": [], "reads": {}})
        group = days[-1]
        if line["kind"] == COLLAPSED:
            key = (line["action"], line["actor"], line["text"] if line["action"] != ACTIONS["identity.read"][1]
                   else "")
            if key in group["reads"]:
                first = group["reads"][key]
                first["count"] += 1
                first["since"] = line["at"]
                continue
            line = {**line, "since": line["at"]}
            group["reads"][key] = line
        group["lines"].append(line)
    return {"days": days, "kinds": KINDS, "kind": kind if kind in KINDS else "", "counts": counts,
            "total": sum(counts.values())}


@router.get("/zaken/{case_id:id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: int, diagram: str | None = None, melding: str = "", soort: str = ""):
    with get_database().read_session() as s:  # a pure read (web.pages.common.WebDatabase)
        web, case = visible_case(request, s, case_id)
        if case is None:
            return not_found(request, web.user, web)
        user = web.user
        # Confidentiality classes (engine.cases.field_classes): the identity for who may see it, the report's
        # substance as the desk's redacted version for everyone else (reads audited there).
        view = field_classes.case_view(session=s, user=user, case=case, page="zaak")
        parties = [{"party": party, "name": user_name(s, uid)}
                   for party, uid in access.visible_parties(session=s, user=user, case_id=case.id)]
        summary = case_summary(s, case, user)
        all_items = worklist.for_case(session=s, user=user, case_id=case.id, include_closed=True)
        open_items = [i for i in all_items if i.state == "open"]  # the same order (by id), one read
        deadlines = []
        is_coordinator = worklist.may_assign_tasks(user)  # engine.worklist: who assigns
        for i in open_items:
            state, text = due_state(i.due_at)
            candidates = [(u.username, u.display_name)
                          for u in worklist.assign_candidates(session=s, role=i.role)] if is_coordinator else []
            deadlines.append({"id": i.id, "candidates": candidates, "name": i.name, "role": ROLES.get(i.role, i.role),
                              "due": due_text(i.due_at), "state": state, "text": text, "kind": "Taak",
                              "assignee": user_name(s, i.assignee_id)})
        version = processes.find_version(session=s, version_id=case.process_version_id)
        names = version_names(version)
        for t in timers.pending_for_case(session=s, case_id=case.id):
            state, text = due_state(t.fire_at)
            deadlines.append({"name": t.name or names.element(t.element_id) or "Termijn", "role": "",
                              "due": due_text(t.fire_at),
                              "state": state, "text": text, "kind": "Termijnbewaking", "assignee": "",
                              "id": None, "candidates": []})
        for name, due in contact.review_deadlines(session=s, user=user, case_id=case.id):
            state, text = due_state(due)
            deadlines.append({"name": name, "role": "Melder", "due": due_text(due), "state": state, "text": text,
                              "kind": "Termijnbewaking", "assignee": "", "id": None, "candidates": []})
        # an imported (historical) case has no process instance: no position and no diagram
        position = cases.case_position(session=s, case_id=case.id) if version else {}
        files = _bpmn_files(version) if version else []
        if version is None:
            diagram = None
        elif diagram not in files:
            active = [i.element_id for i in open_items] + (position.get("active") or [])
            diagram = next((f for f in (_element_file(version, a) for a in active) if f), None) or \
                _element_file(version, version.main_process_id) or (files[0] if files else None)
        active_names = []
        for element in position.get("active") or []:
            name = names.element(element)
            if name and name not in active_names:
                active_names.append(name)
        letter_rows = [{"id": l.id, "template": l.template, "recipient": l.recipient, "version": l.version,
                        "at": l.rendered_at, "step": l.step}
                       for l in case_letters.visible_letters(session=s, user=user, case_id=case.id)]
        letters_waiting = waiting_rows(case_letters.visible_waiting(session=s, user=user, case_id=case.id))
        messages = []
        may_message = access.may_message_reporter(session=s, user=user, case_id=case.id)
        if may_message:  # read and audited as through the API (engine.intake.service.read_messages)
            messages = intake.read_messages(session=s, user=user, case_id=case.id, allowed=may_message)
        # Oral reports and meeting requests: for who may write the reporter; the follow-up also for the coordinator.
        rules = contact.rules_of(s, case)
        try:  # the engine decides who sees them (engine.contact.service.require_oral)
            oral = {"reports": contact.oral_reports(session=s, user=user, case_id=case.id),
                    "meetings": contact.meeting_requests(session=s, user=user, case_id=case.id),
                    "channels": rules.oral_report.channels if rules.oral_report else {},
                    "kinds": contact.MEETING_KINDS, "inbox": contact.has_inbox(s, case.id)}
        except NotAuthorized:
            oral = None
        try:  # the engine decides (engine.contact.service.may_see_follow_up)
            follow_up = {"rows": contact.follow_ups(session=s, user=user, case_id=case.id),
                         "question": contact.question_of(s, case)}
        except NotAuthorized:
            follow_up = None
        contact_tasks = [_contact_task_row(s, t) for t in contact.tasks_of_case(session=s, user=user,
                                                                                 case_id=case.id)]
        note_rows = notes.visible_notes(session=s, user=user, case_id=case.id)
        file_rows = [{"id": a.id, "name": a.filename, "size": a.size, "at": a.created_at,
                      "source": "Melder" if a.source == attachments.REPORTER else user_name(s, a.added_by_id),
                      "kind": attachments.KINDS.get(a.kind or "", "Bijlage van de melder"),
                      "removed": attachments.removed_metadata(a)}
                     for a in attachments.visible_files(session=s, user=user, case_id=case.id)]
        return render(request, "zaak.html", user=user, web=web, case=case, summary=summary, parties=parties,
                      notes=note_rows, case_files=file_rows, file_kinds=attachments.KINDS,
                      file_types=attachments.TYPES_TEXT,
                      max_file_mb=attachments.MAX_HANDLER_BYTES // (1024 * 1024),
                      identity_allowed=view.identity_allowed, identity_fields=view.identity, view=view,
                      substance_labels=field_classes.substance_labels(s, case),
                      not_redacted_text=field_classes.NOT_REDACTED,
                      deadlines=deadlines, timeline=_timeline(s, case, user, soort), letters=letter_rows,
                      letters_waiting=letters_waiting,
                      position=position, diagram_file=diagram,
                      diagram_name=names.file(diagram) if diagram else "", active_names=active_names,
                      files=[(f, names.file(f)) for f in files], may_message=may_message,
                      messages=messages, melding=melding, oral=oral, follow_up=follow_up,
                      contact_tasks=contact_tasks, records=records_page.case_block(s, user, case.id),
                      my_items=[i for i in open_items if i.assignee_id == user.id],
                      done_items=[i for i in all_items if i.state == "completed"])


@router.post("/zaken/{case_id:id}/geredigeerd/{veld}")
def case_redaction(request: Request, case_id: int, veld: str, form: FormDep):
    """The desk records the redacted version of the report's substance (``field_classes.redact`` decides)."""
    try:
        with get_database().session() as s:
            web, case = visible_case(request, s, case_id)
            if case is None:
                return not_found(request, web.user, web)
            checked_form(form, web)
            field_classes.redact(session=s, user=web.user, case_id=case.id, name=veld,
                                 text=str(form.get("tekst") or ""))
    except DomainError as exc:
        return domain_error(request, exc)
    return RedirectResponse(with_message(
        f"/zaken/{case_id}", "De geredigeerde versie is opgeslagen; de andere behandelaars lezen nu deze tekst."),
        status_code=303)


def _back(case_id: int, message: str, anchor: str) -> RedirectResponse:
    return RedirectResponse(with_message(f"/zaken/{case_id}", message) + anchor, status_code=303)


def _case_post(request: Request, case_id: int, form, act, message: str, anchor: str):
    """A form post on the case page: the case must be visible (else not found), the form token right; ``act(session,
    user, case)`` does the work through the engine, which decides the rest; then back to the case with ``message``."""
    try:
        with get_database().session() as s:
            web, case = visible_case(request, s, case_id)
            if case is None:
                return not_found(request, web.user, web)
            checked_form(form, web)
            act(s, web.user, case)
    except DomainError as exc:
        return domain_error(request, exc)
    return _back(case_id, message, anchor)


@router.post("/zaken/{case_id:id}/berichten")
def case_message(request: Request, case_id: int, form: FormDep):
    text = str(form.get("tekst") or "")
    return _case_post(request, case_id, form,
                      lambda s, user, case: intake.message_to_reporter(session=s, case_id=case.id, author=user,
                                                                       text=text),
                      "Uw bericht aan de melder is verstuurd.", "#berichten")


# --------------------------------------------------------------------------- oral reports and follow-up (issue 23)

@router.post("/zaken/{case_id:id}/mondeling")
def case_oral_report(request: Request, case_id: int, form: FormDep):
    """The desk registers an oral report (phone or meeting) and offers its transcript to the reporter to sign."""
    channel, held_on = str(form.get("kanaal") or ""), str(form.get("datum") or "")
    transcript, request_id = str(form.get("verslag") or ""), str(form.get("verzoek") or "")
    return _case_post(request, case_id, form, lambda s, user, case: contact.register_oral_report(
        session=s, user=user, case_id=case.id, channel=channel, held_on=held_on, transcript=transcript,
        meeting_request_id=form_int(request_id)),
        "De mondelinge melding is vastgelegd; het verslag staat bij de melder in ‘Mijn melding’ ter controle en "
        "ondertekening.", "#mondeling")


@router.post("/zaken/{case_id:id}/mondeling/{report_id:id}/versies")
def case_oral_revision(request: Request, case_id: int, report_id: int, form: FormDep):
    transcript = str(form.get("verslag") or "")
    return _case_post(request, case_id, form, lambda s, user, case: contact.revise(
        session=s, user=user, case_id=case.id, oral_report_id=report_id, transcript=transcript),
        "De nieuwe versie van het verslag staat bij de melder ter controle en ondertekening.", "#mondeling")


TASK_STATES = {"open": "Open", "afgerond": "Afgerond",
               "vervallen": "Vervallen (niet meer nodig: de melder reageerde of er ligt een nieuwe versie voor)"}


def _contact_task_row(s: Session, task) -> dict:
    """A contact task as the case page and the task page show it."""
    return {"id": task.id, "kind": task.kind, "name": contact.TASK_NAMES[task.kind], "state": task.state,
            "state_text": TASK_STATES.get(task.state, task.state), "role": ROLES.get(task.role, task.role),
            "assignee": user_name(s, task.assignee_id) if task.assignee_id else "", "assignee_id": task.assignee_id,
            "created_at": task.created_at, "due": due_text(task.due_at) if task.due_at else "",
            "outcome": contact.outcome_label(task), "motivation": task.motivation or "",
            "completed_at": task.completed_at,
            "completed_by": user_name(s, task.completed_by_id) if task.completed_by_id else ""}


def _contact_task_page(request: Request, s: Session, web, case: Case, task, *, values=None, errors=None,
                       status_code: int = 200):
    context = {}
    if task.kind in contact.TRANSCRIPT_TASKS:
        view = next((v for v in contact.oral_reports(session=s, user=web.user, case_id=case.id)
                     if v.report.id == task.oral_report_id), None)
        context = {"report": view}
    else:
        context = {"follow_up": next((f for f in contact.follow_ups(session=s, user=web.user, case_id=case.id)
                                      if f.id == task.follow_up_id), None),
                   "question": contact.question_of(s, case), "huis": contact.HUIS_FOR_STAFF}
    return render(request, "contacttaak.html", status_code=status_code, user=web.user, web=web, case=case,
                  t=_contact_task_row(s, task), refusal=contact.why_not_act(session=s, user=web.user, task=task),
                  outcomes={k: label for k, (label, _) in contact.OUTCOMES[task.kind].items()},
                  corrections_done_by_revising=contact.CORRECTIONS_DONE_BY_REVISING,
                  values=values or {}, errors=errors or {}, **context)


@router.get("/zaken/{case_id:id}/contacttaken/{contacttaak_id:id}", response_class=HTMLResponse)
def contact_task_page(request: Request, case_id: int, contacttaak_id: int):
    """A task outside the process (transcript not signed in time, the reporter's corrections to answer with a new
    version, retaliation signal): claim it, then complete it with an outcome and a motivation (the corrections task
    is completed by the new version on the case page). ``engine.contact`` decides who may see and act."""
    with get_database().session() as s:
        web, case = visible_case(request, s, case_id)
        if case is None:
            return not_found(request, web.user, web)
        try:
            task = contact.get_task(session=s, user=web.user, case_id=case.id, task_id=contacttaak_id)
        except DomainError:
            return not_found(request, web.user, web)
        return _contact_task_page(request, s, web, case, task)


@router.post("/zaken/{case_id:id}/contacttaken/{contacttaak_id:id}/oppakken")
def contact_task_claim(request: Request, case_id: int, contacttaak_id: int, form: FormDep):
    try:
        with get_database().session() as s:
            web, case = visible_case(request, s, case_id)
            if case is None:
                return not_found(request, web.user, web)
            checked_form(form, web)
            contact.claim_task(session=s, user=web.user, case_id=case.id, task_id=contacttaak_id)
    except DomainError as exc:
        return domain_error(request, exc)
    return RedirectResponse(f"/zaken/{case_id}/contacttaken/{contacttaak_id}", status_code=303)


@router.post("/zaken/{case_id:id}/contacttaken/{contacttaak_id:id}/teruggeven")
def contact_task_release(request: Request, case_id: int, contacttaak_id: int, form: FormDep):
    return _case_post(request, case_id, form,
                      lambda s, user, case: contact.release_task(session=s, user=user, case_id=case.id,
                                                                 task_id=contacttaak_id),
                      "De taak staat weer in de pool van haar rol.", "#contacttaken")


@router.post("/zaken/{case_id:id}/contacttaken/{contacttaak_id:id}/afronden", response_class=HTMLResponse)
def contact_task_complete(request: Request, case_id: int, contacttaak_id: int, form: FormDep):
    values = {"uitkomst": str(form.get("uitkomst") or ""), "motivering": str(form.get("motivering") or "")}
    try:
        with get_database().session() as s:
            web, case = visible_case(request, s, case_id)
            if case is None:
                return not_found(request, web.user, web)
            checked_form(form, web)
            try:
                task = contact.complete_task(session=s, user=web.user, case_id=case.id, task_id=contacttaak_id,
                                             outcome=values["uitkomst"], motivation=values["motivering"])
            except InvalidData as exc:
                s.rollback()
                task = contact.get_task(session=s, user=web.user, case_id=case.id, task_id=contacttaak_id)
                values["motivering"] = values["motivering"][:2 * contact.MAX_MOTIVATION]
                return _contact_task_page(request, s, web, case, task, values=values,
                                          errors={e.field: e.message for e in exc.errors}, status_code=422)
            label = contact.outcome_label(task)
    except DomainError as exc:
        return domain_error(request, exc)
    return _back(case_id, f"De taak is afgerond: {label}.", "#contacttaken")


# --------------------------------------------------------------------------- internal notes and files (issue 23)

@router.post("/zaken/{case_id:id}/notities")
def case_note(request: Request, case_id: int, form: FormDep):
    """An internal note (``engine.cases.notes`` decides who may write it)."""
    text = str(form.get("tekst") or "")
    return _case_post(request, case_id, form,
                      lambda s, user, case: notes.add(session=s, user=user, case_id=case.id, text=text),
                      "De interne notitie is opgeslagen.", "#notities")


@router.post("/zaken/{case_id:id}/notities/{note_id:id}")
def case_note_edit(request: Request, case_id: int, note_id: int, form: FormDep):
    text = str(form.get("tekst") or "")
    return _case_post(request, case_id, form,
                      lambda s, user, case: notes.edit(session=s, user=user, case_id=case.id, note_id=note_id,
                                                       text=text),
                      "De notitie is gewijzigd.", "#notities")


@router.post("/zaken/{case_id:id}/bestanden")
def case_file_upload(request: Request, case_id: int, form: FormDep):
    """A handler adds minutes, a signed report or evidence; the metadata is removed before it is stored."""
    upload = form.get("bestand")
    try:
        with get_database().session() as s:
            web, case = visible_case(request, s, case_id)
            if case is None:
                return not_found(request, web.user, web)
            checked_form(form, web)
            content = upload.file.read(attachments.MAX_HANDLER_BYTES + 1) if hasattr(upload, "file") else b""
            row = attachments.add(session=s, case_id=case.id, filename=getattr(upload, "filename", None) or "",
                                  content=content, by=web.user, kind=str(form.get("soort") or ""))
            removed = attachments.removed_metadata(row)
    except DomainError as exc:
        return domain_error(request, exc)
    text = ("Het bestand is toegevoegd. Verwijderd vóór opslag: " + "; ".join(removed) + "."
            if removed else "Het bestand is toegevoegd; er stond geen metadata in om te verwijderen.")
    return _back(case_id, text, "#bestanden")


@router.get("/zaken/{case_id:id}/bestanden/{file_id:id}")
def case_file_download(request: Request, case_id: int, file_id: int):
    try:
        with get_database().session() as s:
            web, case = visible_case(request, s, case_id)
            if case is None:
                return not_found(request, web.user, web)
            row, content = attachments.read(session=s, user=web.user, case_id=case.id, attachment_id=file_id)
            name, media_type, sha = row.filename, row.media_type, row.sha256
    except DomainError as exc:
        return domain_error(request, exc)
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "X-Content-SHA256": sha})
