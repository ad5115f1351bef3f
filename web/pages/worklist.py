"""The worklist (werkvoorraad): my tasks, open in my roles, overdue (``engine.worklist``)."""
from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from engine.cases import triage
from engine.clock import now
from engine.contact import service as contact
from engine.errors import InvalidData
from engine.identity import access
from engine.records import subject_rights
from engine.staff import service as staff
from engine.worklist import service as worklist
from web.pages.common import due_text, get_database, login_required, render, worklist_rows

router = APIRouter(include_in_schema=False)


TABS = {"mijn": "Mijn taken", "open": "Open in mijn rollen", "te-laat": "Te laat"}
PAGE = 200  # tasks per page; further pages by keyset (``na``)
SORTS = {"termijn": "Termijn", "prioriteit": "Prioriteit", "zaak": "Zaaknummer", "taak": "Taak"}


# --------------------------------------------------------------------------- werkvoorraad

def _page(s, user, tab: str, after: str | None) -> tuple[list, str]:
    """One page of the tab and the next page's keyset position ("" when none follows): the pool's from the engine
    (``worklist.pool_page``: the separation of duties leaves tasks out, so a page's length says nothing about what
    follows), the other tabs' by reading one task more than a page."""
    if tab == "open":
        page = worklist.pool_page(session=s, user=user, limit=PAGE, after=after)
        return page.items, page.next_after or ""
    fetch = {"mijn": worklist.my_tasks, "te-laat": worklist.overdue}[tab]
    items = fetch(session=s, user=user, limit=PAGE + 1, after=after)
    return items[:PAGE], worklist.position(items[PAGE - 1]) if len(items) > PAGE else ""


@router.get("/werkvoorraad", response_class=HTMLResponse)
def worklist_page(request: Request, tab: str = "", sorteer: str = "termijn", filter: str = "",
                  melding: str = "", na: str = ""):
    sorteer = sorteer if sorteer in SORTS else "termijn"
    with get_database().read_session() as s:  # a pure read: no transaction (web.pages.common.WebDatabase)
        web = login_required(request, s)
        user = web.user
        counts = worklist.counts(session=s, user=user)  # counted by the database, never capped by a page
        if tab not in TABS:  # arriving: my own tasks, or the role's pool when I have none yet
            tab = "open" if counts["mijn"] == 0 and counts["open"] > 0 else "mijn"
        since = worklist.record_visit(session=s, user=user)
        try:  # one page of PAGE tasks in worklist order; the next one starts after its last task (keyset)
            items, next_after = _page(s, user, tab, na or None)
        except InvalidData:
            na, (items, next_after) = "", _page(s, user, tab, None)
        facts = triage.row_facts(session=s, items=items)
        rows = [{**row, **facts.get(i.case_id, {}), "new": worklist.is_new(i, since)} for i, row in
                zip(items, worklist_rows(s, items, user, references={k: f["reference"] for k, f in facts.items()}))]
        needle = filter.strip().lower()
        if needle:
            rows = [r for r in rows if needle in f"{r['reference']} {r['name']} {r['role_label']} {r['assignee']}".lower()]
        far = now() + timedelta(days=36500)
        key = {"termijn": lambda r: (r["due_at"] or far, -r["priority"]),
               "prioriteit": lambda r: (-r["priority"], r["due_at"] or far),
               "zaak": lambda r: (r["reference"], r["id"]), "taak": lambda r: (r["name"], r["id"])}[sorteer]
        rows.sort(key=key)
        is_coordinator = worklist.may_assign_tasks(user)  # assigns and takes back (engine.worklist)
        candidates = {}
        if is_coordinator:
            candidates = {role: [(u.username, u.display_name) for u in users] for role, users in
                          worklist.assign_candidates_by_role(session=s, roles={r["role"] for r in rows}).items()}
        contact_tasks = contact.open_tasks(session=s, user=user)
        context = dict(user=user, web=web, tab=tab, tabs=TABS, counts=counts, rows=rows, sorteer=sorteer,
                       sorts=SORTS, filter=filter, is_coordinator=is_coordinator, candidates=candidates,
                       melding=melding, na=na, next_after=next_after, since=since,
                       new_count=sum(1 for r in rows if r["new"]),
                       may_register=access.may_register_report(session=s, user=user),
                       late_requests=subject_rights.overdue(session=s, user=user) if tab == "te-laat" else [],
                       staff_notices=staff.notices_for(session=s, user=user) if is_coordinator else [],
                       contact_tasks=contact_tasks,
                       contact_terms={t.id: (due_text(t.due_at), contact.term_passed(t))
                                      for t, _ in contact_tasks if t.due_at},
                       contact_task_names=contact.TASK_NAMES,
                       meeting_requests=contact.open_meeting_requests(session=s, user=user),
                       meeting_kinds=contact.MEETING_KINDS)
        if request.headers.get("hx-request") and request.headers.get("hx-target") == "werkvoorraad-tabel":
            return render(request, "_werkvoorraad_tabel.html", **context)
        return render(request, "werkvoorraad.html", **context)
