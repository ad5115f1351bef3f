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
TEMPLATES = sorted(ROOT.glob("web/templates/*.html"))
# Tables read through an engine door of their own (engine.reports.monthly, engine.register.access,
# engine.cases.attachments; the cases through engine.identity.access: require_visible_case, task_access,
# workable_task, worklist_references, and the services built on them): a query on them in api/ or web/ is a second
# decision. Found as a table (``select(Case)``, ``get(Case, id)``, ``join(Case, ...)``) or by its columns
# (``select(Case.id, Case.reference)``).
DOOR_TABLES = {"MonthlyOverview", "RegisterFunction", "RegisterAssessment", "ReporterAttachment", "Case"}
# The calls that start or widen a query on a table given as an argument.
QUERY_CALLS = {"select", "get", "join", "outerjoin", "select_from", "query"}
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


def python_findings(path: Path, source: str, roles: set[str]) -> list[str]:
    rel = path.relative_to(ROOT).as_posix() if path.is_absolute() else str(path)
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        where = f"{rel}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in roles \
                and (rel, node.value) not in NOT_A_ROLE and not _is_docstring(node, parents):
            found.append(f"{where}: names the role {node.value!r}")
        if isinstance(node, ast.Attribute) and node.attr == "role_codes":
            call = parents.get(node)
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "sorted"):
                found.append(f"{where}: tests a user's roles (role_codes)")
        if isinstance(node, ast.Name) and node.id == "require_role":
            found.append(f"{where}: require_role (a role check outside the engine)")
        if isinstance(node, ast.Call) and isinstance(node.func, (ast.Attribute, ast.Name)) and \
                (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id) in QUERY_CALLS:
            tables = [t for t in map(_table, node.args) if t]
            if tables:
                found.append(f"{where}: queries {tables[0]} itself")
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
'''
    found = python_findings(Path("web/pages/x.py"), source, roles)
    assert [f.split(": ", 1)[1] for f in found] == [
        "require_role (a role check outside the engine)", "names the role 'integriteitscoordinator'",
        "names the role 'bureau_vi'", "tests a user's roles (role_codes)", "queries MonthlyOverview itself",
        "queries Case itself", "queries Case itself", "queries Case itself", "queries Case itself",
        "queries RegisterFunction itself"], found
    nav = ("{% if 'integriteitscoordinator' in roles %}<a>{% endif %}\n{% if mag.archief(user) %}{% endif %}\n"
           "{{ user.role_codes|sort|map('rolnaam')|join(', ') }}\n{% set r = user.role_codes %}")
    assert template_findings("t.html", nav, roles) == ["t.html:1: names the role 'integriteitscoordinator'",
                                                       "t.html:4: tests a user's roles (role_codes)"]
