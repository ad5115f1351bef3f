"""One access decision per resource, in engine/ (DESIGN "Guarantees at the core", issue 16): api/ and web/ ask it
and never decide themselves. A reading of the source, alongside the matrices that probe the running app
(``tests/web/test_surface_matrix.py``, ``tests/web/test_menu_doors.py``): those find a wrong answer, this finds the
place where a second decision could start to drift from the first.

In the routers, the pages and the templates: no role is named (a role code as a string), no user's roles are
tested (``role_codes``; showing them is fine), no ``require_role``; and the tables whose access the engine decides
through a dedicated door are not queried there. The API's ``permitted(check)`` lets the engine's check decide.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = sorted([*ROOT.glob("api/routers/*.py"), ROOT / "api/deps.py", *ROOT.glob("web/pages/*.py")])
# For queries: every Python file of the two surfaces (a helper module beside the routers and the pages serves the
# same requests). The schemas and the app's setup name role codes as examples and titles: the role reading stays on
# the routers and the pages.
QUERY_PY = sorted([*ROOT.glob("api/**/*.py"), *ROOT.glob("web/**/*.py")])
TEMPLATES = sorted(ROOT.glob("web/templates/*.html"))
# The protected tables (cases and their data, parties, work items and drafts, letters, files, notes, messages with
# reporters, audit events, reveals, staff notices, register entries, reports): each is read through an engine door
# of its own (engine.identity.access: require_visible_case, task_access, task_to_work_on,
# task_done_by, worklist_references, and the services built on them; engine.reports.monthly,
# engine.register.access, engine.cases.attachments, ...): a query on one of them in api/ or web/ is a second
# decision. Found as a table (``select(Case)``, ``get(WorkItem, id)``, ``join(Case, ...)``, ``aliased(CaseNote)``)
# or by its columns anywhere in a query's arguments (``select(Case.id)``, ``where(WorkItem.case_id == x)``).
DOOR_TABLES = {
    # cases and their data
    "Case", "CaseParty", "CaseActor", "CaseConfidential", "TaskSubmission", "CaseSearchTerms", "CaseImport",
    "Timer",
    # work items, their drafts, the contact with the reporter
    "WorkItem", "TaskDraft", "ContactTask", "MeetingRequest", "OralReport", "TranscriptVersion", "FollowUp",
    # letters, files, notes, messages, submissions, reveals
    "LetterJob", "ReporterAttachment", "CaseNote", "CaseMessage", "FormSubmission", "IdentityReveal", "ReceiptCode",
    # audit, staff notices, register, reports, records
    "AuditEvent", "StaffNotice", "StaffNoticeRead", "RegisterFunction", "RegisterAssessment", "FunctionHolder",
    "MonthlyOverview", "VpRegistration", "Notification", "LegalHold", "DestructionList", "DestructionItem",
    "AccessRequest", "AccessRequestCase", "PersonFlag",
    # the people and the deployed processes: read through engine.identity.service (find_user, get_user,
    # display_names, list_users) and engine.processes.service (find_version, get_version, version_hash, ...)
    "User", "UserRole", "ProcessVersion", "ProcessFile"}
# The calls that start, widen or narrow a query (or a write) on a table or its columns given as an argument.
QUERY_CALLS = {"select", "get", "join", "outerjoin", "select_from", "query", "where", "filter", "filter_by",
               "aliased", "exists", "delete", "update", "insert", "scalar", "scalars", "execute", "get_one"}
# Engine functions that decide nothing (the engine's own use: the demo, the step, the tests' drivers): a surface asks
# the door beside each instead (worklist.for_case / after_step, contact.oral_reports / meeting_requests / follow_ups
# with the user, contact.reporter_* with the reporter's session).
ENGINE_INTERNAL = {"items_of_case", "_oral_reports", "_meeting_requests", "_follow_ups"}
# Raw SQL in api/ or web/: allowed only for the health check's ``SELECT 1`` (no table at all).
RAW_SQL_ALLOWED = {"SELECT 1"}
# Exact strings that are role codes but mean something else where they appear: the user form's field for a person's
# line manager.
NOT_A_ROLE = {("web/pages/admin.py", "leidinggevende"), ("web/templates/gebruikers.html", "leidinggevende"),
              ("web/templates/gebruiker_wijzigen.html", "leidinggevende")}


def _roles() -> set[str]:
    from engine.identity.roles import ROLES
    from engine.register import access as register_access

    return set(ROLES) | set(register_access.READERS) | {register_access.MANAGER}


def _is_docstring(node: ast.AST, parents: dict) -> bool:
    parent = parents.get(node)
    return isinstance(parent, ast.Expr)


def _table(arg: ast.AST) -> str | None:
    """The door table a query's argument names, if any: the table (``Case``, ``models.Case``) or one of its columns
    (``Case.id``, ``models.Case.reference``)."""
    while isinstance(arg, ast.Attribute):
        if arg.attr in DOOR_TABLES:
            return arg.attr
        arg = arg.value
    return arg.id if isinstance(arg, ast.Name) and arg.id in DOOR_TABLES else None


def _called(node: ast.AST) -> str | None:
    """The name a call calls (``select``, ``s.get`` -> ``get``), or None for anything else."""
    if not isinstance(node, ast.Call):
        return None
    return node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)


def _literal_args(node: ast.Call) -> bool:
    """A call whose arguments are all literals (``form.get("naam")``, ``d.get("x", 1)``) queries nothing."""
    return bool(node.args) and all(isinstance(a, ast.Constant) for a in node.args) and not node.keywords


def _tables_in(node: ast.Call) -> list[str]:
    """The door tables a query call names in its own arguments, at any depth, but not inside a query call nested
    in them (``s.scalars(select(Case))``: found once, on ``select``)."""
    found, todo = [], [*node.args, *(k.value for k in node.keywords)]
    while todo:
        arg = todo.pop(0)
        if _called(arg) in QUERY_CALLS:
            continue
        table = _table(arg)
        if table:
            found.append(table)
            continue
        todo.extend(ast.iter_child_nodes(arg))
    return found


def python_findings(path: Path, source: str, roles: set[str], *, queries_only: bool = False) -> list[str]:
    rel = path.relative_to(ROOT).as_posix() if path.is_absolute() else str(path)
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        where = f"{rel}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in roles and not queries_only \
                and (rel, node.value) not in NOT_A_ROLE and not _is_docstring(node, parents):
            found.append(f"{where}: names the role {node.value!r}")
        if isinstance(node, ast.Attribute) and node.attr == "role_codes" and not queries_only:
            call = parents.get(node)
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "sorted"):
                found.append(f"{where}: tests a user's roles (role_codes)")
        if isinstance(node, ast.Name) and node.id == "require_role" and not queries_only:
            found.append(f"{where}: require_role (a role check outside the engine)")
        name = _called(node)
        if name in ENGINE_INTERNAL:
            found.append(f"{where}: calls {name} (an engine function that decides nothing)")
        if name in QUERY_CALLS and not _literal_args(node):
            tables = _tables_in(node)
            if tables:
                found.append(f"{where}: queries {tables[0]} itself")
        if name == "text" and (isinstance(node.func, ast.Name) or isinstance(node.func.value, ast.Name)
                               and node.func.value.id in ("sa", "sqlalchemy")):
            sql = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else None
            if sql not in RAW_SQL_ALLOWED:
                found.append(f"{where}: raw SQL (text) outside engine/")
        if name in ("execute", "exec_driver_sql") and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            found.append(f"{where}: raw SQL (a string executed) outside engine/")
    return sorted(found, key=lambda f: int(f.split(":")[1]))  # in source order (ast.walk goes level by level)


def template_findings(rel: str, text: str, roles: set[str]) -> list[str]:
    found = []
    for n, line in enumerate(text.splitlines(), 1):
        for expr in re.findall(r"{[%{](.*?)[%}]}", line):
            for role in roles:
                if (rel, role) not in NOT_A_ROLE and re.search(rf"['\"]{role}['\"]", expr):
                    found.append(f"{rel}:{n}: names the role {role!r}")
            if "role_codes" in expr and not re.fullmatch(r"\s*(if user\.role_codes|user\.role_codes\|sort\|map\('rolnaam'\)"
                                                         r"\|join\(', '\))\s*", expr):
                found.append(f"{rel}:{n}: tests a user's roles (role_codes)")
    return found


def test_api_and_web_name_no_role_and_query_no_door_table():
    roles = _roles()
    found = []
    for path in PY:
        found += python_findings(path, path.read_text("utf-8"), roles)
    for path in sorted(set(QUERY_PY) - set(PY)):
        found += python_findings(path, path.read_text("utf-8"), roles, queries_only=True)
    for path in TEMPLATES:
        found += template_findings(path.relative_to(ROOT).as_posix(), path.read_text("utf-8"), roles)
    assert not found, "access decided outside engine/:\n" + "\n".join(found)


def test_the_reading_finds_each_kind():
    """The checks are not vacuous: each kind of second decision is found."""
    roles = _roles()
    source = '''
"""A page that names integriteitscoordinator in its docstring only: fine."""
Boss = require_role("integriteitscoordinator")
def page(user, session):
    if "bureau_vi" in user.role_codes:
        return session.get(MonthlyOverview, 1)
    refs = session.execute(select(Case.id, Case.reference)).all()
    tag = select(Version.hash).join(Case, Case.version_id == Version.id)
    one, unit = session.get(models.Case, 1), session.query(models.Case.unit)
    return select(RegisterFunction), sorted(user.role_codes), session.get(WorkItem, 1), select(Version.hash)
def helper(s, case_id):
    rows = s.scalars(select(Version.name).where(TaskDraft.case_id == case_id, Version.id > 1))
    notes = aliased(CaseNote)
    s.execute(text("SELECT body FROM case_messages"))
    s.execute("DELETE FROM audit_events")
    return s.scalars(select(StaffNotice)), form.get("naam"), s.execute(text("SELECT 1")), problem.text(line=False)
def after(s, case_id):
    return worklist.items_of_case(session=s, case_id=case_id)
'''
    found = python_findings(Path("web/pages/x.py"), source, roles)
    assert [f.split(": ", 1)[1] for f in found] == [
        "require_role (a role check outside the engine)", "names the role 'integriteitscoordinator'",
        "names the role 'bureau_vi'", "tests a user's roles (role_codes)", "queries MonthlyOverview itself",
        "queries Case itself", "queries Case itself", "queries Case itself", "queries Case itself",
        "queries RegisterFunction itself", "queries WorkItem itself", "queries TaskDraft itself",
        "queries CaseNote itself", "raw SQL (text) outside engine/", "raw SQL (a string executed) outside engine/",
        "queries StaffNotice itself", "calls items_of_case (an engine function that decides nothing)"], found
    nav = ("{% if 'integriteitscoordinator' in roles %}<a>{% endif %}\n{% if mag.archief(user) %}{% endif %}\n"
           "{{ user.role_codes|sort|map('rolnaam')|join(', ') }}\n{% set r = user.role_codes %}")
    assert template_findings("t.html", nav, roles) == ["t.html:1: names the role 'integriteitscoordinator'",
                                                       "t.html:4: tests a user's roles (role_codes)"]
