"""Documented commands are tests (issue 13).

Every shell command the documentation shows (:data:`DOCS`, found by :mod:`tests.docs.doccommands`) has
an entry in :data:`TABLE`: how it is run, or — for a very few — why it is not run here. Each run is a
fresh subprocess (``bash -c`` with the text as written) with the repository as working directory, the
venv's ``bin`` first on ``PATH``, a fresh SQLite database (``MELDPUNT_DATABASE_URL``) and a fresh
encryption key (``MELDPUNT_ENCRYPTION_KEYS``). It must exit 0 and print what the entry (and, where the
doc shows output after a command block, the doc) says. A documented command without an entry, an entry
whose command no doc shows any more, and output a doc shows that no run checks all fail the suite with
``file:line``.

These tests are not marked ``db``: they never use the suite's database fixture (which would point at
PostgreSQL in ``make test-pg``); each subprocess gets its own SQLite file, so they run once, in
``make test``.

Placeholders in a command (``historie.csv``, output files, port 8000) are replaced through the entry's
``substitute``; long-running commands (``make run``, ``meldpunt timers run``, uvicorn) run in ``serve``
mode: started, checked while they run, then stopped with Ctrl-C (SIGINT to their process group).
"""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import httpx
import pytest

from engine.crypto import generate_key
from tests.docs.doccommands import Location, check, collect, parse

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
        ROOT / "features" / "README.md", ROOT / "web" / "README.md", ROOT / "bench" / "README.md"]
PORTS = range(18100, 18200)  # this suite's server ports
DEMO_PASSWORD = "meldpunt-demo"


# --------------------------------------------------------------------------------------------------
# How a command is run
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Run:
    """One execution of a documented command. Strings in ``substitute``/``env``/``suffix`` may use
    ``{tmp}`` (this run's scratch directory), ``{port}`` (a free port), ``{key}`` and setup's ``vars``."""
    db: str = "demo"  # none: an empty SQLite path | demo: migrated, processes deployed, demo seeded
    #                   (`meldpunt demo --no-serve`) | server: the database of the module's demo server
    cwd: str = "repo"  # repo | tmp
    substitute: tuple[tuple[str, str], ...] = ()  # placeholder in the doc text → value
    suffix: str = ""  # appended to the command (only where the reason is written next to it)
    env: tuple[tuple[str, str], ...] = ()
    stdin: str | None = None
    before: tuple[str, ...] = ()  # documented commands run first (same database and directory)
    setup: Callable | None = None  # (ctx) -> None
    mode: str = "run"  # run | serve
    ready: Callable | None = None  # serve: (ctx) -> bool, polled until true
    exit: int = 0
    stdout: tuple[str, ...] = ()  # regular expressions (multiline) that must match
    stderr: tuple[str, ...] = ()
    shown_output: bool = False  # the output block the doc shows after the command must appear
    check: Callable | None = None  # (ctx, result) -> None; in serve mode while the command runs


@dataclass(frozen=True)
class NotRun:
    reason: str


@dataclass
class Ctx:
    tmp: Path
    port: int
    key: str
    db_path: Path
    env: dict = field(default_factory=dict)
    vars: dict = field(default_factory=dict)
    server: "DemoServer | None" = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fmt(self, text: str) -> str:
        return text.format(tmp=self.tmp, port=self.port, key=self.key, **self.vars)

    def run(self, command: str, *, env: dict | None = None, stdin: str | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess:
        """Another command in the same environment (for checks)."""
        return subprocess.run(["bash", "-c", command], cwd=cwd or ROOT, env={**self.env, **(env or {})},
                              input=stdin, capture_output=True, text=True, timeout=600, start_new_session=True)


@dataclass
class DemoServer:
    port: int
    db_path: Path
    key: str
    proc: subprocess.Popen
    log: Path


# --------------------------------------------------------------------------------------------------
# Setups and checks used by the table
# --------------------------------------------------------------------------------------------------

HISTORY_CSV = (
    "dienstonderdeel,schending,subcategorie,inhoud,afdoening,soort_onderzoek,uitkomst,datum_melding,"
    "datum_afdoening,aantal_betrokkenen\r\n"
    "Douane,Financiële schendingen,fraude,Medewerker declareerde reizen die niet zijn gemaakt.,"
    "Schriftelijke berisping; Vermindering IKB-uren,feitenonderzoek_intern,aangetoond,2023-01-10,2023-03-01,\r\n"
    "Belastingdienst,Ongewenste omgangsvormen,,Leidinggevende zou medewerkers hebben gekleineerd.,"
    "Geen afdoening/actie,,,,2023-05-05,\r\n"
)


def write_history_csv(ctx: Ctx) -> None:
    """`historie.csv`: two closed cases in the import format of docs/MANAGEMENT_INFO.md."""
    (ctx.tmp / "historie.csv").write_text(HISTORY_CSV, encoding="utf-8")


BROKEN_LANE = "<bpmn:flowNodeRef>melding_beoordelen</bpmn:flowNodeRef>"


def processes_with_task_outside_lanes(ctx: Ctx) -> None:
    """A copy of processes/ in which the user task `melding_beoordelen` lies in no lane (README's example)."""
    target = ctx.tmp / "processes"
    shutil.copytree(ROOT / "processes", target)
    bpmn = target / "beoordeling.bpmn"
    lines = bpmn.read_text(encoding="utf-8").splitlines(keepends=True)
    assert sum(BROKEN_LANE in line for line in lines) == 1, "the README example's lane reference moved"
    bpmn.write_text("".join(line for line in lines if BROKEN_LANE not in line), encoding="utf-8")


def deploy_version_2(ctx: Ctx) -> None:
    """Version 2 of the demo database: processes/ with the registration task renamed."""
    target = ctx.tmp / "processes-2"
    shutil.copytree(ROOT / "processes", target)
    bpmn = target / "melding.bpmn"
    text = bpmn.read_text(encoding="utf-8")
    assert 'name="Melding registreren"' in text
    bpmn.write_text(text.replace('name="Melding registreren"', 'name="Melding registreren en vastleggen"'),
                    encoding="utf-8")
    r = ctx.run(f".venv/bin/meldpunt processes deploy {target} --zonder-repetitie 'Voorbeeld uit de documentatie'")
    assert r.returncode == 0 and "Procesversie 2 " in r.stdout, r.stdout + r.stderr


def check_cases_on_version_2(ctx: Ctx, result) -> None:
    moved = len(re.findall(r": gemigreerd", result.stdout))
    with sqlite3.connect(ctx.db_path) as conn:
        assert conn.execute("SELECT count(*) FROM cases WHERE process_version_id = 2").fetchone()[0] == moved
        assert conn.execute("SELECT count(*) FROM audit_events WHERE action = 'case.migrated'").fetchone()[0] == moved


def makefile_is_installed(ctx: Ctx) -> None:
    """`make run` installs first when .venv or node_modules are older than their manifests; that needs the
    network and minutes, and belongs to `make test`, which runs before this test (and `.ci/run` before that)."""
    r = subprocess.run(["make", "-q", ".venv/.installed", "node_modules/.package-lock.json"], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, ("`make run` would install packages first: run `make install` (or `make test`) "
                               "so .venv/.installed and node_modules/.package-lock.json are up to date")


def make_a_timer_overdue(ctx: Ctx) -> None:
    """Moves the stored firing time of one pending demo timer into the past (as after downtime), so the
    worker's next round must pick it up. Its term itself lies in the future (the workflow recomputes it),
    so the round re-arms it at its real time instead of firing it early."""
    with sqlite3.connect(ctx.db_path) as conn:
        timer_id, fire_at = conn.execute(
            "SELECT id, fire_at FROM timers WHERE state = 'pending' ORDER BY id LIMIT 1").fetchone()
        conn.execute("UPDATE timers SET fire_at = '2000-01-01' || substr(fire_at, 11) WHERE id = ?", (timer_id,))
    ctx.vars.update(timer_id=timer_id, fire_at=fire_at)


def deploy_a_second_version(ctx: Ctx) -> None:
    """Version 2 of the demo: processes/ with one task renamed (docs/PROCESS_OWNERS.md, section 6)."""
    target = ctx.tmp / "processen-v2"
    shutil.copytree(ROOT / "processes", target)
    bpmn = target / "melding.bpmn"
    bpmn.write_text(bpmn.read_text(encoding="utf-8").replace('name="Melding registreren"', 'name="Melding vastleggen"',
                                                             1), encoding="utf-8")
    result = ctx.run(f".venv/bin/meldpunt processes deploy {target} --zonder-repetitie 'Voorbeeld uit de documentatie'")
    assert result.returncode == 0 and "is uitgerold en actief" in result.stdout, result.stdout + result.stderr


def a_draft_with_a_shorter_receipt_term(ctx: Ctx) -> None:
    """docs/PROCESS_OWNERS.md §8: processen-concept/, a copy of processes/ whose receipt acknowledgement is due in 4
    days instead of 7 (the scenario "Het meldpunt bevestigt de ontvangst op tijd" then fails)."""
    target = ctx.tmp / "processen-concept"
    shutil.copytree(ROOT / "processes", target)
    for name, old in (("melding.bpmn", 'legal_date("P7D", start=datum_melding)'),
                      ("integriteitsmelding.bpmn", 'legal_term("P7D", start=datum_melding)')):
        path = target / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"the rehearsal example's term moved in {name}"
        path.write_text(text.replace(old, old.replace("P7D", "P4D")), encoding="utf-8")


DRAFT = (("processen-concept", "{tmp}/processen-concept"),)


def timer_row(ctx: Ctx) -> tuple[str, str]:
    with sqlite3.connect(ctx.db_path, timeout=30) as conn:
        return conn.execute("SELECT state, fire_at FROM timers WHERE id = ?", (ctx.vars["timer_id"],)).fetchone()


def timer_handled(ctx: Ctx) -> bool:
    return not timer_row(ctx)[1].startswith("2000-")


def check_timer_rearmed(ctx: Ctx, result) -> None:
    assert timer_row(ctx) == ("pending", ctx.vars["fire_at"]), (timer_row(ctx), ctx.vars)


AUDIT_ENV = (("MELDPUNT_AUDIT_KEYS", "{key}"), ("MELDPUNT_AUDIT_CHECKPOINT_FILE", "{tmp}/audit-checkpoints.jsonl"))
CHECKPOINT_OUTPUT = (r"^Checkpoint geschreven: \d+ ketens, \d+ gebeurtenissen, \d+ leesgebeurtenissen "
                     r"\(sleutel [0-9a-f]{8}\)\.$",)


def checkpoint_written(ctx: Ctx) -> bool:
    path = ctx.tmp / "audit-checkpoints.jsonl"
    return path.exists() and path.read_text().endswith("\n")


def check_checkpoint_verifies(ctx: Ctx, result) -> None:
    """The checkpoint just written is the one `audit verify` compares the database with."""
    verify = ctx.run(".venv/bin/meldpunt audit verify", env={k: ctx.fmt(v) for k, v in AUDIT_ENV})
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert re.search(r"^Vergeleken met de checkpoint van .* \(regel 1, \d+ ketens\)\.$", verify.stdout, re.M), verify.stdout


def check_worker_checkpoint(ctx: Ctx, result) -> None:
    check_timer_rearmed(ctx, result)
    check_checkpoint_verifies(ctx, result)


def copy_bench_results(ctx: Ctx) -> None:
    shutil.copy(ROOT / "bench" / "results.json", ctx.tmp / "results.json")


def new_key(ctx: Ctx) -> None:
    ctx.vars["newkey"] = generate_key()  # step 1 of the rotation; `keys generate` has its own entry


def answers(ctx: Ctx, path: str = "/melden") -> bool:
    try:
        return httpx.get(ctx.base_url + path, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def login(base_url: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=30)
    r = client.post("/api/v1/auth/inloggen", json={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return client


def check_demo_running(ctx: Ctx, result) -> None:
    """README: demo users with password meldpunt-demo, the example cases, the API under /api/v1."""
    client = login(ctx.base_url, "coordinator")
    try:
        assert client.get("/api/v1/auth/ik").json()["user"]["username"] == "coordinator"
        assert _items(client.get("/api/v1/zaken").json()), "the coordinator sees no example case"
    finally:
        client.close()
    client = login(ctx.base_url, "meldpunt")
    try:
        tasks = client.get("/api/v1/taken/onverdeeld").json()
        assert any(t["naam"] == "Melding registreren" for t in _items(tasks)), tasks
    finally:
        client.close()


def _items(payload):
    return payload["items"] if isinstance(payload, dict) else payload


def check_token_works(ctx: Ctx, result) -> None:
    token = result.stdout.strip()
    assert re.fullmatch(r"mpt_[A-Za-z0-9_-]{43}", token), token
    me = httpx.get(ctx.base_url + "/api/v1/auth/ik", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert me.status_code == 200 and me.json()["user"]["username"] == "meldpunt", me.text


def check_me(ctx: Ctx, result) -> None:
    assert json.loads(result.stdout)["user"]["username"] == "meldpunt", result.stdout


def check_open_tasks(ctx: Ctx, result) -> None:
    """meldpunt's open tasks in its roles: the demo's anonymous report waiting to be registered."""
    tasks = _items(json.loads(result.stdout))
    assert any(t["naam"] == "Melding registreren" for t in tasks), result.stdout


def check_docx(name: str, header: list[str]) -> Callable:
    def _check(ctx: Ctx, result) -> None:
        from engine.reports import word

        content = (ctx.tmp / name).read_bytes()
        assert zipfile.is_zipfile(ctx.tmp / name)
        assert word.read_tables(content)[0][0] == header
    return _check


def check_file_starts(name: str, start: bytes) -> Callable:
    def _check(ctx: Ctx, result) -> None:
        content = (ctx.tmp / name).read_bytes()
        assert content.startswith(start), content[:200]
    return _check


def check_openapi(ctx: Ctx, result) -> None:
    assert answers(ctx, "/api/v1/openapi.json"), "no OpenAPI document"


ANNEX_HEADER = ["Dienstonderdeel", "Schending", "Inhoud (vermoedelijke) schending", "Afdoening"]


def queue_a_mail(ctx: Ctx) -> None:
    """docs/NOTIFICATIONS.md: a demo user without tasks (the auditor) with an e-mail address, one notification
    waiting in the outbox, and a real SMTP server (aiosmtpd) on the run's port for the sender to deliver it to."""
    from tests.smtp import SmtpServer

    with sqlite3.connect(ctx.db_path) as conn:
        user_id = conn.execute("SELECT id FROM users WHERE username = 'auditor'").fetchone()[0]
        conn.execute("UPDATE users SET email = 'auditor@voorbeeld.nl' WHERE id = ?", (user_id,))
        conn.execute("INSERT INTO notifications (user_id, kind, link, delivery, day, state, attempts, created_at) "
                     "VALUES (?, 'nieuwe_taak', '/werkvoorraad', 'direct', '2026-11-02', 'pending', 0, "
                     "'2026-11-02 09:00:00')", (user_id,))
    ctx.vars["smtp"] = SmtpServer(ctx.port).start()


def check_mail_delivered(ctx: Ctx, result) -> None:
    server = ctx.vars.pop("smtp")
    server.stop()
    mails = server.messages()
    assert len(mails) == 1 and mails[0].rcpt == ["auditor@voorbeeld.nl"], mails
    assert "Bekijk het in Meldpunt: http://127.0.0.1:8000/werkvoorraad" in mails[0].text


MAIL_ENV = (("MELDPUNT_SMTP_HOST", "127.0.0.1"), ("MELDPUNT_SMTP_PORT", "{port}"),
            ("MELDPUNT_SMTP_STARTTLS", "false"))


def smtp_answers(ctx: Ctx) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", ctx.port), timeout=5) as sock:
            return sock.recv(3) == b"220"
    except OSError:
        return False


def check_debugging_smtp_prints(ctx: Ctx, result) -> None:
    """The documented test server takes a mail and shows it in its window."""
    import smtplib

    with smtplib.SMTP("127.0.0.1", ctx.port, timeout=30) as smtp:
        smtp.sendmail("meldpunt@localhost", ["iemand@voorbeeld.nl"], "Subject: proef\r\n\r\nHallo")
    deadline = time.monotonic() + 30
    while "Subject: proef" not in (ctx.tmp / "serve.log").read_text():
        assert time.monotonic() < deadline, (ctx.tmp / "serve.log").read_text()
        time.sleep(0.2)


def demo_with_smtp(ctx: Ctx) -> None:
    """`make run` with SMTP settings: a real SMTP server (aiosmtpd) on its own port for the demo's sender."""
    from tests.smtp import SmtpServer

    makefile_is_installed(ctx)
    ctx.vars["smtp_port"] = free_port()
    ctx.vars["smtp"] = SmtpServer(ctx.vars["smtp_port"]).start()


def check_demo_mails(ctx: Ctx, result) -> None:
    """The server itself sends: a notification for the desk (who got the demo address) arrives while it runs."""
    server = ctx.vars.pop("smtp")
    try:
        with sqlite3.connect(ctx.db_path) as conn:
            user_id, email = conn.execute("SELECT id, email FROM users WHERE username = 'meldpunt'").fetchone()
            assert email == "meldpunt@meldpunt-demo.example", email
            conn.execute("INSERT INTO notifications (user_id, kind, link, delivery, day, state, attempts, "
                         "created_at) VALUES (?, 'nieuwe_taak', '/werkvoorraad', 'direct', '2026-11-02', 'pending', "
                         "0, '2026-11-02 09:00:00')", (user_id,))
        deadline = time.monotonic() + 60
        while not any(m.rcpt == ["meldpunt@meldpunt-demo.example"] for m in server.messages()):
            assert time.monotonic() < deadline, [m.rcpt for m in server.messages()]
            time.sleep(0.3)
    finally:
        server.stop()


def check_json_keys(*keys: str) -> Callable:
    def _check(ctx: Ctx, result) -> None:
        data = json.loads(result.stdout)
        assert set(keys) <= set(data), data
    return _check


def check_key(ctx: Ctx, result) -> None:
    assert len(base64.urlsafe_b64decode(result.stdout.strip())) == 32, result.stdout


def check_rotation(ctx: Ctx, result) -> None:
    """After rotation the old key can go: everything decrypts (and rotates again) with the new key alone."""
    again = ctx.run(".venv/bin/meldpunt keys rotate", env={"MELDPUNT_ENCRYPTION_KEYS": ctx.vars["newkey"]})
    assert again.returncode == 0, again.stderr
    assert int(re.search(r"Klaar: (\d+)", result.stdout)[1]) > 0, result.stdout


def check_disabled(ctx: Ctx, result) -> None:
    listing = ctx.run(".venv/bin/meldpunt users list").stdout
    assert re.search(r"jdevries .* geblokkeerd$", listing, re.M), listing


RESTRICTION = "Een beperking van de verwerking houdt de verklaring van een getuige buiten de export van de betrokkene"


def lists(*names: str, feature: str | tuple[str, ...] | None = None) -> Callable:
    """`meldpunt scenarios ... --lijst` chose exactly these scenarios (and every scenario of `feature`(s))."""
    def _check(ctx: Ctx, result) -> None:
        chosen = [line.split(": ", 1)[1] for line in result.stdout.splitlines() if ": " in line]
        wanted = list(names)
        for one in ((feature,) if isinstance(feature, str) else feature or ()):
            text = (ROOT / "features" / one).read_text(encoding="utf-8")
            wanted += re.findall(r"^\s*(?:Abstract )?Scenario(?:sjabloon)?:\s*(.+?)\s*$", text, re.M)
        assert sorted(chosen) == sorted(wanted), (chosen, wanted)
    return _check


def remember_catalogue(ctx: Ctx) -> None:
    ctx.vars["catalogue"] = (ROOT / "features" / "STAPPEN.md").read_bytes()


def check_catalogue_unchanged(ctx: Ctx, result) -> None:
    """Up to date already (features/test_framework.py checks that), so rewriting it changes nothing."""
    assert (ROOT / "features" / "STAPPEN.md").read_bytes() == ctx.vars["catalogue"], "STAPPEN.md changed"


def check_catalogue_shown(ctx: Ctx, result) -> None:
    assert result.stdout.strip() == (ROOT / "features" / "STAPPEN.md").read_text(encoding="utf-8").strip()


def check_bench(*, databases: list[str], only: list[str] | None = None) -> Callable:
    def _check(ctx: Ctx, result) -> None:
        data = json.loads((ctx.tmp / "results.json").read_text())
        assert data["meta"]["mode"] == "tiny" and set(databases) <= set(data["meta"]["databases"]), data["meta"]
        if only:  # the chosen measurements ran (with their helpers), the others did not
            assert set(only) <= set(data["measurements"]), list(data["measurements"])
            assert not {"m2_http", "m3_worklist", "m4_timers", "m5_letters"} - set(only) & set(data["measurements"])
        assert (ctx.tmp / "RESULTS.md").exists()
    return _check


def check_rendered_results(ctx: Ctx, result) -> None:
    assert (ctx.tmp / "RESULTS.md").read_text() == (ROOT / "bench" / "RESULTS.md").read_text(), \
        "bench/RESULTS.md is not what --render-only makes from bench/results.json"


# --------------------------------------------------------------------------------------------------
# The table: every documented command → how it is run (or why it is not)
# --------------------------------------------------------------------------------------------------

LOGIN = ("curl -s -c cookies.txt -H 'content-type: application/json' -d '{\"username\": \"meldpunt\", "
         "\"password\": \"meldpunt-demo\"}' http://127.0.0.1:8000/api/v1/auth/inloggen")
ON_SERVER = (("127.0.0.1:8000", "127.0.0.1:{port}"),)
CSV_PLACEHOLDER = (("historie.csv", "{tmp}/historie.csv"),)
BROKEN_PROCESSES = dict(setup=processes_with_task_outside_lanes, env=(("MELDPUNT_PROCESSES_DIR", "{tmp}/processes"),),
                        exit=1, shown_output=True)
USER_PASSWORD = "Lang-en-geheim-2026\nLang-en-geheim-2026\n"
ADD_USER = '.venv/bin/meldpunt users add jdevries --name "Jan de Vries" --role onderzoeker --unit Douane'
# The benchmark's sizes: --quick takes minutes per command, the full size 15-25 minutes. Here a documented
# option runs at --tiny size into a scratch folder (the default folder is bench/, the committed results);
# .ci/run runs --quick after the suite.
SCRATCH = " --output-dir {tmp}"
IMPORT_OUTPUT = (r"^2 zaken geïmporteerd \(import \d+\)\.$", r"^Nieuwe dienstonderdelen aangemaakt: Douane, Belastingdienst$")

# docs/DEPLOYMENT.md
NO_DOCKER = NotRun("no Docker daemon and no image registry on the developers' machines or in CI; "
                   "tests/deploy/test_container_files.py checks Dockerfile and compose.yaml, and "
                   "tests/deploy/test_run_processes.py runs the same topology as processes")
METRICS_TOKEN = "doc-metrics-token"


def check_env_copied(ctx: Ctx, result) -> None:
    text = (ctx.tmp / ".env").read_text()
    assert "MELDPUNT_ENCRYPTION_KEYS=" in text and "MELDPUNT_METRICS_TOKEN=" in text
    assert "\nMELDPUNT_BASE_URL=https://" in text


def check_certificate(ctx: Ctx, result) -> None:
    crt, key = (ctx.tmp / "meldpunt.crt").read_text(), (ctx.tmp / "meldpunt.key").read_text()
    assert crt.startswith("-----BEGIN CERTIFICATE-----") and "PRIVATE KEY-----" in key


def topology_answers(ctx: Ctx) -> bool:
    """Our first API process answers (its metrics token; another server on the port would not know it)."""
    try:
        return httpx.get(ctx.base_url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
                         timeout=10).status_code == 200
    except httpx.HTTPError:
        return False


def check_topology(ctx: Ctx, result) -> None:
    """run-processes.sh: on the demo's SQLite one API process (the default there; one per core on PostgreSQL,
    tests/deploy/test_run_processes.py) and two timer workers run (pid files), /metrics answers its token with
    the database figures and the HTTP figures of the processes."""
    from prometheus_client.parser import text_string_to_metric_families

    run = ctx.tmp / "run"
    deadline = time.monotonic() + 120
    while not all((run / f"{n}.pid").exists() for n in ("api-1", "timers-1", "timers-2")):
        assert time.monotonic() < deadline, sorted(p.name for p in run.iterdir())
        time.sleep(0.3)
    assert not (run / "api-2.pid").exists()  # SQLite: one API process
    assert httpx.get(ctx.base_url + "/metrics", timeout=10).status_code == 401
    r = httpx.get(ctx.base_url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=30)
    assert r.status_code == 200, r.text
    families = {f.name: f for f in text_string_to_metric_families(r.text)}
    assert families["meldpunt_open_tasks"].samples[0].value > 0  # the demo's cases
    assert httpx.get(ctx.base_url + "/melden", timeout=30).status_code == 200
    r = httpx.get(ctx.base_url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=30)
    families = {f.name: f for f in text_string_to_metric_families(r.text)}
    assert any(s.labels.get("route") == "/melden" for s in families["meldpunt_http_requests"].samples)


TABLE: dict[str, tuple[Run, ...] | NotRun] = {
    # README.md, web/README.md
    "make run": (Run(db="none", mode="serve", setup=makefile_is_installed, env=(("MELDPUNT_PORT", "{port}"),),
                     ready=answers, check=check_demo_running,
                     stdout=(r"Demo klaar: 18 gebruikers \(wachtwoord 'meldpunt-demo'\), 3 nieuwe voorbeeldzaken\.",)),),
    "make test": NotRun("the test suite itself, which contains this test; .ci/run runs it"),
    "make install": NotRun("installs the packages at constraints.txt's versions; `make test` (so .ci/run) runs it "
                           "first, from nothing"),
    "make lock": NotRun("resolves every package anew from the registry and rewrites constraints.txt (a minute, the "
                        "network); run by hand when updating, and the file it wrote is what `make install` uses"),
    "make test-pg": NotRun("the database tests of this suite on PostgreSQL; .ci/run runs them so, on the real date"),
    "make test-on DATE=2028-02-29": NotRun("this suite again with the machine's date moved by libfaketime; "
                                           ".ci/run runs `make test` so, on a leap day over a year ahead"),
    "make evidence DATE=2028-02-29": NotRun("every scenario of this suite again, with the evidence report; .ci/run runs it"),
    "make test-on DATE=2028-02-29 DB=pg": NotRun("the database tests of this suite on PostgreSQL with the machine's "
                                                 "date moved; by hand (.ci/run moves the date of `make test`)"),
    "make test-on DATE=2028-02-29 DB=pg PG_MARK=": NotRun("every test of this suite, the database ones on PostgreSQL, "
                                                          "with the machine's date moved; by hand (.ci/run moves the date of `make test`)"),
    'make test-on DATE=2028-02-29 TESTS="tests/engine features"': NotRun(
        "a part of this suite with the machine's date moved; .ci/run runs all of it on a moved date"),
    LOGIN: (Run(db="server", cwd="tmp", substitute=ON_SERVER, stdout=(r'"username":\s*"meldpunt"', r'"csrf')),),
    "curl -s -b cookies.txt http://127.0.0.1:8000/api/v1/auth/ik":
        (Run(db="server", cwd="tmp", substitute=ON_SERVER, before=(LOGIN,), check=check_me),),
    "curl -s -b cookies.txt http://127.0.0.1:8000/api/v1/taken/onverdeeld":
        (Run(db="server", cwd="tmp", substitute=ON_SERVER, before=(LOGIN,), check=check_open_tasks),),
    ".venv/bin/meldpunt users token meldpunt": (Run(db="server", check=check_token_works,
                                                    stderr=(r"^Token voor meldpunt \(geldig tot ",)),),
    ".venv/bin/meldpunt processes check": (
        Run(db="none", stdout=(r"^Procesbestanden en briefsjablonen in orde\.$",)),
        Run(db="none", **BROKEN_PROCESSES)),
    ".venv/bin/meldpunt processes deploy": (
        # the demo deployed processes/ already: nothing changed, so no new version
        Run(stdout=(r"^Procesversie 1 \([0-9a-f]{12}\) is actief\.$",)),
        Run(**BROKEN_PROCESSES, stderr=(r"^Uitrollen geweigerd\.$",))),
    # docs/PROCESS_OWNERS.md §6: the demo's running cases (version 1) towards a version 2 with a renamed task
    ".venv/bin/meldpunt processes migreren --van 1 --naar 2": (Run(
        setup=deploy_version_2, stdout=(r"^MP-\d{4}-\d{6}: migreerbaar",
                                        r"^Proefdraai: [1-9]\d* van \d+ lopende zaken van versie 1 zijn migreerbaar "
                                        r"naar versie 2\. Er is niets veranderd; migreer met --uitvoeren\.$")),),
    ".venv/bin/meldpunt processes migreren --van 1 --naar 2 --uitvoeren": (Run(
        setup=deploy_version_2, stdout=(r"^MP-\d{4}-\d{6}: gemigreerd",
                                        r"^[1-9]\d* van \d+ lopende zaken van versie 1 naar versie 2 gemigreerd\.$"),
        check=check_cases_on_version_2),),
    # docs/PROCESS_OWNERS.md §8: rehearsal of a draft against one scenario, then deploying it only with a reason
    '.venv/bin/meldpunt processes repeteren processen-concept "Het meldpunt bevestigt de ontvangst op tijd"': (Run(
        substitute=DRAFT, setup=a_draft_with_a_shorter_receipt_term, exit=1, shown_output=True),),
    ".venv/bin/meldpunt processes deploy processen-concept": (Run(
        substitute=DRAFT, setup=a_draft_with_a_shorter_receipt_term, exit=1,
        stderr=(r"^Uitrollen geweigerd\. De repetitie van deze bestanden is niet gedraaid\.",)),),
    '.venv/bin/meldpunt processes deploy processen-concept --zonder-repetitie "Termijn verkort op verzoek van de OR"': (
        Run(substitute=DRAFT, setup=a_draft_with_a_shorter_receipt_term,
            stdout=(r"^Procesversie 2 \([0-9a-f]{12}\) is uitgerold en actief\.$",)),),
    ".venv/bin/meldpunt processes list": (Run(stdout=(r"^Versie 1  .* lopende zaken  \(actief\)$",)),),
    ".venv/bin/meldpunt processes diff 1 2": (Run(setup=deploy_a_second_version, shown_output=True),),
    ".venv/bin/meldpunt processes activate 1": (Run(
        setup=deploy_a_second_version,
        stdout=(r"^Procesversie 1 \([0-9a-f]{12}\) is actief voor nieuwe meldingen\.$",)),),
    ".venv/bin/meldpunt timers run": (Run(mode="serve", setup=make_a_timer_overdue, ready=timer_handled,
                                          check=check_timer_rearmed),),
    ".venv/bin/meldpunt import cases historie.csv": (Run(setup=write_history_csv, substitute=CSV_PLACEHOLDER,
                                                         stdout=IMPORT_OUTPUT),),
    ".venv/bin/meldpunt report annex --year 2026 --format docx --output jaarbijlage-2026.docx":
        (Run(substitute=(("jaarbijlage-2026.docx", "{tmp}/jaarbijlage-2026.docx"),),
             check=check_docx("jaarbijlage-2026.docx", ANNEX_HEADER)),),
    ".venv/bin/meldpunt report woo --from 2026-01-01 --to 2026-12-31":
        (Run(check=check_json_keys("van", "tot", "rows", "totaal"), stdout=(r'"van": "2026-01-01"',)),),
    ".venv/bin/python -m bench --quick": NotRun(".ci/run runs it after the suite (into a scratch folder); "
                                                "the same options run at --tiny size below and in tests/bench"),
    ".venv/bin/meldpunt audit verify": (Run(stdout=(r"^Audittrail in orde \(\d+ gebeurtenissen\)\.$",)),),
    ".venv/bin/meldpunt audit checkpoint": (Run(env=AUDIT_ENV, stdout=CHECKPOINT_OUTPUT, check=check_checkpoint_verifies),),

    # docs/SECURITY.md (audit trail)
    "meldpunt audit verify": (Run(stdout=(r"^Audittrail in orde \(\d+ gebeurtenissen\)\.$",)),),
    "meldpunt audit checkpoint": (Run(env=AUDIT_ENV, stdout=CHECKPOINT_OUTPUT, check=check_checkpoint_verifies),),
    # the worker also writes the signed audit checkpoint (the first one at once, then every hour)
    "meldpunt timers run": (Run(mode="serve", env=AUDIT_ENV, setup=make_a_timer_overdue,
                                ready=lambda ctx: timer_handled(ctx) and checkpoint_written(ctx),
                                check=check_worker_checkpoint),),

    # docs/NOTIFICATIONS.md
    ".venv/bin/meldpunt mail run --once": (Run(env=MAIL_ENV, setup=queue_a_mail, check=check_mail_delivered,
                                               stdout=(r"^1 e-mail\(s\) verstuurd\.$",)),),
    ".venv/bin/meldpunt mail status": (Run(stdout=(r"^0 e-mail\(s\) wachten op verzending\.$",)),),
    # docs/LETTERS.md (the demo's seeded steps may leave letters for the worker: their number varies)
    ".venv/bin/meldpunt brieven run --once": (Run(stdout=(r"^\d+ brief/brieven aangemaakt\.$",)),),
    ".venv/bin/meldpunt brieven status": (Run(stdout=(r"^\d+ brief/brieven wachten op aanmaken, 0 mislukt ",)),),
    # README.md, docs/DEPLOYMENT.md
    "meldpunt brieven run": NotRun("keeps running until stopped; one round of it runs above as "
                                   "`.venv/bin/meldpunt brieven run --once`, and tests/engine/test_letter_outbox.py "
                                   "runs it as two worker processes on PostgreSQL, one killed mid-render"),
    # README.md and docs/NOTIFICATIONS.md: the demo with a mail server. The `&` only puts the test server in the
    # background of the reader's shell; here it runs in the foreground and is stopped with Ctrl-C.
    ".venv/bin/python -m aiosmtpd -n -l 127.0.0.1:8025 &": (Run(
        db="none", mode="serve", substitute=(("127.0.0.1:8025 &", "127.0.0.1:{port}"),), ready=smtp_answers,
        check=check_debugging_smtp_prints),),
    "MELDPUNT_SMTP_HOST=127.0.0.1 MELDPUNT_SMTP_PORT=8025 MELDPUNT_SMTP_STARTTLS=false make run": (Run(
        db="none", mode="serve", setup=demo_with_smtp,
        substitute=(("MELDPUNT_SMTP_PORT=8025", "MELDPUNT_SMTP_PORT=$DOC_SMTP_PORT"),),
        env=(("MELDPUNT_PORT", "{port}"), ("DOC_SMTP_PORT", "{smtp_port}"), ("MELDPUNT_MAIL_POLL_SECONDS", "0.5")),
        ready=answers, check=check_demo_mails,
        stdout=(r"^E-mailmeldingen gaan via 127\.0\.0\.1:\d+; de verzender draait in de server\.",)),),

    # docs/RETENTION.md (the demo's cases are open: nothing is due)
    "meldpunt retention run": (Run(stdout=(r"^0 zaak/zaken vernietigd; ontvangstcodes verwijderd bij 0 zaak/zaken\.$",
                                           r"^Geen zaken met een verstreken bewaartermijn; geen nieuwe "
                                           r"vernietigingslijst\.$")),),
    "meldpunt retention due": (Run(stdout=(r"^Geen zaken met een verstreken bewaartermijn\.$",)),),

    # docs/MANAGEMENT_INFO.md
    'meldpunt report unit "Douane" --employees 4200 --director directeur':
        (Run(stdout=(r"^Dienstonderdeel 'Douane': 4200 medewerkers\.$",)),),
    "meldpunt report units": (Run(before=('meldpunt report unit "Douane" --employees 4200 --director directeur',),
                                  stdout=(r"^Douane\t4200\t\d+$",)),),
    "meldpunt import cases historie.csv": (Run(setup=write_history_csv, substitute=CSV_PLACEHOLDER,
                                               stdout=IMPORT_OUTPUT),),
    "meldpunt report annex --year 2023": (Run(check=check_json_keys("year", "rows", "totals")),),
    "meldpunt report annex --year 2023 --format docx --output jaarbijlage-2023.docx":
        (Run(substitute=(("jaarbijlage-2023.docx", "{tmp}/jaarbijlage-2023.docx"),),
             check=check_docx("jaarbijlage-2023.docx", ANNEX_HEADER)),),
    "meldpunt report woo --from 2023-01-01 --to 2023-12-31": (Run(check=check_json_keys("rows", "totaal")),),
    "meldpunt report woo --from 2023-01-01 --to 2023-12-31 --format csv --output woo-2023.csv":
        (Run(substitute=(("woo-2023.csv", "{tmp}/woo-2023.csv"),), stderr=(r"^Geschreven: .*woo-2023\.csv$",),
             check=check_file_starts("woo-2023.csv", b"Aantal,")),),
    "meldpunt report vp --year 2023": (Run(stdout=(r"^Registraties vertrouwenspersonen 2023$", r"^Per categorie")),),
    "meldpunt report vp --year 2023 --format docx --output vertrouwenspersonen-2023.docx":
        (Run(substitute=(("vertrouwenspersonen-2023.docx", "{tmp}/vertrouwenspersonen-2023.docx"),),
             check=check_file_starts("vertrouwenspersonen-2023.docx", b"PK")),),
    "meldpunt report dashboard --from 2026-01-01 --to 2026-06-30":
        (Run(check=check_json_keys("van", "tot", "dienstonderdeel")),),
    "meldpunt report dashboard --from 2026-01-01 --to 2026-06-30 --unit Douane":
        (Run(stdout=(r'"dienstonderdeel": "Douane"',)),),
    "meldpunt report monthly --month 2026-10": (Run(before=('meldpunt report unit "Douane" --employees 4200 --director directeur',),
                                                    stdout=(r"^Maandoverzicht 2026-10 voor directeur: \d+ meldingen",)),),
    # without --month: the previous month of today's date; on a demo without directors nothing is made
    "meldpunt report monthly": (Run(stdout=(r"^Geen directeuren ingesteld bij de dienstonderdelen; niets gemaakt\.$",)),),
    # only on the first working day of a month does it make anything; either answer is right, by date
    "meldpunt report monthly --alleen-eerste-werkdag": (Run(stdout=(
        r"^(Vandaag \(\d{4}-\d\d-\d\d\) is niet de eerste werkdag van de maand; niets gedaan\."
        r"|Geen directeuren ingesteld bij de dienstonderdelen; niets gemaakt\.)$",)),),

    # docs/PROCESS_OWNERS.md
    "meldpunt processes check processes/": (Run(db="none", stdout=(r"^Procesbestanden en briefsjablonen in orde\.$",)),),
    "meldpunt processes check": (Run(db="none", stdout=(r"^Procesbestanden en briefsjablonen in orde\.$",)),),

    # docs/DEPLOYMENT.md
    "cp deploy/env.example .env": (Run(db="none", cwd="tmp", substitute=(
        ("deploy/env.example", str(ROOT / "deploy" / "env.example")),), check=check_env_copied),),
    "openssl req -x509 -newkey rsa:3072 -nodes -days 30 -subj /CN=localhost -keyout deploy/certs/meldpunt.key "
    "-out deploy/certs/meldpunt.crt": (Run(db="none", cwd="tmp", substitute=(("deploy/certs/", "{tmp}/"),),
                                          check=check_certificate),),
    "docker build -t meldpunt:latest .": NO_DOCKER,
    "docker compose up -d --build": NO_DOCKER,
    "docker compose up -d --scale timers=3": NO_DOCKER,
    # the demo's SQLite database (the PostgreSQL run with kill -9 is tests/deploy/test_run_processes.py)
    "deploy/run-processes.sh": (Run(mode="serve", env=(
        ("MELDPUNT_API_PORT", "{port}"), ("MELDPUNT_RUN_DIR", "{tmp}/run"), ("MELDPUNT_COOKIE_SECURE", "false"),
        # the script runs in production: the address letters and mails link to is required (docs/DEPLOYMENT.md)
        ("MELDPUNT_BASE_URL", "https://meldpunt.example.nl"),
        ("MELDPUNT_METRICS_TOKEN", METRICS_TOKEN)), ready=topology_answers, check=check_topology),),
    "meldpunt db upgrade": (Run(stdout=(r"^Database bijgewerkt\.$",)),),
    # SQLite (this suite's database): one; on PostgreSQL one per core (tests/deploy/test_container_files.py)
    "meldpunt api-processes": (Run(db="none", stdout=(r"^1$",)),),
    "meldpunt db check": (Run(stdout=(r"^De database heeft het actuele schema\.$",)),),
    "meldpunt processes deploy": (Run(db="none", before=("meldpunt db upgrade",)),),

    # docs/SECURITY.md
    ADD_USER: (Run(stdin=USER_PASSWORD, stdout=(r"Gebruiker jdevries toegevoegd \(id \d+, rollen: onderzoeker\)\.$",)),),
    ".venv/bin/meldpunt users list": (Run(before=(ADD_USER,), stdout=(
        r"^\s*\d+\s+jdevries\s+Jan de Vries\s+Douane\s+onderzoeker\s+actief$", r"^\s*\d+\s+meldpunt\s")),),
    ".venv/bin/meldpunt users password jdevries": (Run(before=(ADD_USER,), stdin="Ander-geheim-2026\nAnder-geheim-2026\n",
                                                       stdout=(r"Wachtwoord van jdevries gewijzigd\.$",)),),
    ".venv/bin/meldpunt users token jdevries --name rapportage --days 30":
        (Run(before=(ADD_USER,), stdout=(r"^mpt_[A-Za-z0-9_-]{43}$",), stderr=(r"^Token voor jdevries \(geldig tot ",)),),
    ".venv/bin/meldpunt users disable jdevries": (Run(before=(ADD_USER,), stdout=(r"^Gebruiker jdevries geblokkeerd; 0 opgepakte taken terug in de pool\.$",),
                                                      check=check_disabled),),
    ".venv/bin/meldpunt users tweede-factor-herstellen jdevries":
        (Run(before=(ADD_USER,), stdout=(r"^Tweestapsverificatie van jdevries verwijderd; ",)),),
    ".venv/bin/meldpunt keys generate": (Run(db="none", check=check_key),),
    ".venv/bin/meldpunt keys rotate": (Run(setup=new_key, env=(("MELDPUNT_ENCRYPTION_KEYS", "{newkey},{key}"),),
                                           stdout=(r"^Klaar: \d+ waarden onder de nieuwste sleutel\.$",),
                                           check=check_rotation),),
    "meldpunt keys generate": (Run(db="none", check=check_key),),
    "meldpunt keys rotate": (Run(setup=new_key, env=(("MELDPUNT_ENCRYPTION_KEYS", "{newkey},{key}"),),
                                 check=check_rotation),),

    ".venv/bin/python -m pytest -q tests/web/test_oidc.py": NotRun("tests of this suite (a real OpenID provider "
                                                                   "on loopback); `make test` runs them"),

    # features/README.md
    ".venv/bin/python -m pytest -q features": NotRun("every scenario: `make test` runs them (testpaths include "
                                                     "features); the selections below run here"),
    ".venv/bin/meldpunt scenarios": NotRun("every scenario: `make test` runs them; tests/cli/test_scenarios_command.py "
                                          "runs the command by path, name and tag; the selections below run here "
                                          "with --lijst (what is chosen, without running it a second time)"),
    "meldpunt scenarios": NotRun("the command's name in running text; its forms below run here"),
    ".venv/bin/meldpunt scenarios features/vertrouwelijkheid.feature":
        (Run(db="none", suffix=" --lijst", check=lists(feature="vertrouwelijkheid.feature")),),
    '.venv/bin/meldpunt scenarios "Geen bevestiging binnen 7 dagen leidt tot een escalatie"':
        (Run(db="none", suffix=" --lijst", check=lists("Geen bevestiging binnen 7 dagen leidt tot een escalatie")),),
    ".venv/bin/meldpunt scenarios @avg:art18":
        (Run(db="none", suffix=" --lijst", check=lists(RESTRICTION)),),
    '.venv/bin/meldpunt scenarios features/afdoening.feature "Anoniem melden via het publieke formulier en berichten '
    'uitwisselen" @wet:Ambtenarenwet-art4':
        (Run(db="none", suffix=" --lijst", check=lists("Anoniem melden via het publieke formulier en berichten uitwisselen",
                                                      "Ingelezen zaken tellen mee in de jaarbijlage en het Woo-overzicht",
                                                      # the risk inventory is integrity policy too (feature tag)
                                                      feature=("afdoening.feature", "risico_inventarisatie.feature"))),),
    ".venv/bin/meldpunt scenarios --lijst @avg:art18":
        (Run(db="none", stdout=(r"^features/inzageverzoek\.feature:\d+: " + re.escape(RESTRICTION) + "$",)),),
    ".venv/bin/meldpunt scenarios --rapport bewijs":
        NotRun("every scenario once more; features/test_evidence.py runs --rapport on a selection and checks the report"),
    ".venv/bin/meldpunt scenarios @wet:Sv-art162 --rapport bewijs":
        NotRun("features/test_evidence.py runs exactly this selection with --rapport (in a scratch folder) and checks "
               "the article's row against its scenarios and letters"),
    "meldpunt scenarios --rapport <map>": NotRun("the command's form in running text; its runs are above"),
    ".venv/bin/python -m features.catalogue": (Run(db="none", setup=remember_catalogue, check=check_catalogue_unchanged,
                  stdout=(r"STAPPEN\.md is al actueel \(\d+ stappen\)",)),),
    "meldpunt steps --schrijf": (Run(db="none", setup=remember_catalogue, check=check_catalogue_unchanged,
                  stdout=(r"STAPPEN\.md is al actueel \(\d+ stappen\)",)),),
    "meldpunt steps": (Run(db="none", check=check_catalogue_shown),),

    # bench/README.md
    ".venv/bin/python -m bench": NotRun("the full size takes 15-25 minutes on 2 cores, by hand; .ci/run runs --quick"),
    ".venv/bin/python -m bench --quick --db sqlite": NotRun("tests/bench/test_bench_quick.py runs these options "
                                                            "at --tiny size; .ci/run runs --quick (both databases)"),
    ".venv/bin/python -m bench --only m1_baseline":
        (Run(db="none", suffix=" --tiny --db sqlite" + SCRATCH,
             check=check_bench(databases=["sqlite"], only=["m1_baseline"])),),
    ".venv/bin/python -m bench --render-only":
        (Run(db="none", setup=copy_bench_results, suffix=SCRATCH, check=check_rendered_results),),
    ".venv/bin/python -m bench --quick --db postgresql --only m2_http": NotRun(
        "tests/bench/test_bench_quick.py runs measurement 2 on PostgreSQL at --tiny size (make test-pg), "
        "--only runs in the entry above; .ci/run runs --quick. At --tiny size alone it takes ~2 minutes"),
    # the server measurement 2 starts; uvicorn takes its port from UVICORN_PORT
    "python -m uvicorn api.app:create_app --factory":
        (Run(mode="serve", env=(("UVICORN_PORT", "{port}"), ("MELDPUNT_COOKIE_SECURE", "false")), ready=answers,
             check=check_openapi),),
}


# --------------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------------

def _worker_index() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(re.sub(r"\D", "", worker) or 0)


_used_ports: set[int] = set()


def free_port() -> int:
    """A free port in this suite's range; each xdist worker starts in its own part of the range."""
    start = (_worker_index() * 37) % len(PORTS)
    for i in range(len(PORTS)):
        port = PORTS[(start + i) % len(PORTS)]
        if port in _used_ports:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _used_ports.add(port)
        return port
    raise RuntimeError("no free port in 18100-18199")


def base_env(db_path: Path, key: str) -> dict:
    # Nothing of this pytest process leaks in (its MELDPUNT_TEST_DATABASE_URL, xdist's worker id).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MELDPUNT_", "PYTEST_", "UVICORN_"))}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT)  # this checkout's code, also from a worktree sharing another's venv
    env["MELDPUNT_DATABASE_URL"] = f"sqlite:///{db_path}"
    env["MELDPUNT_ENCRYPTION_KEYS"] = key
    return env


def copy_sqlite(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> tuple[Path, str]:
    """One database prepared by `meldpunt demo --no-serve` (migrated, processes deployed, demo seeded);
    each run gets a copy."""
    where = tmp_path_factory.mktemp("doc-template")
    key = generate_key()
    db = where / "demo.db"
    r = subprocess.run([str(VENV_BIN / "meldpunt"), "demo", "--no-serve"], cwd=ROOT, env=base_env(db, key),
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return db, key


def _stop(proc: subprocess.Popen) -> None:
    """Ctrl-C to the process group we started, then wait; kill only if it does not stop."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory, demo_template):
    """`meldpunt demo` on its own database and a free port, shared by the curl examples."""
    where = tmp_path_factory.mktemp("doc-server")
    db = where / "server.db"
    copy_sqlite(demo_template[0], db)
    port = free_port()
    log = where / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen([str(VENV_BIN / "meldpunt"), "demo", "--port", str(port)], cwd=ROOT,
                                env=base_env(db, demo_template[1]), stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    server = DemoServer(port, db, demo_template[1], proc, log)
    ctx = Ctx(where, port, demo_template[1], db)
    deadline = time.monotonic() + 120
    while not answers(ctx):
        assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.3)
    yield server
    _stop(proc)


def _locations(text: str) -> str:
    return ", ".join(str(c.location) for c in DOC_COMMANDS if c.text == text) or "(no document)"


def _shown_output(text: str) -> tuple[str, Location] | None:
    for c in DOC_COMMANDS:
        if c.text == text and c.shown_output:
            return c.shown_output, c.shown_output_location
    return None


def _report(where: str, command: str, result, problem: str) -> str:
    return (f"{where}: `{command}` {problem}\n--- exit {result.returncode}\n--- stdout\n{result.stdout[-4000:]}"
            f"\n--- stderr\n{result.stderr[-4000:]}")


def execute(text: str, spec: Run, ctx: Ctx, where: str, *, shown: tuple[str, Location] | None = None) -> None:
    """Runs one documented command as `spec` says; fails naming `where` (the doc's file:line)."""
    command = text
    for placeholder, value in spec.substitute:
        command = command.replace(placeholder, ctx.fmt(value))
    command += ctx.fmt(spec.suffix)
    cwd = ctx.tmp if spec.cwd == "tmp" else ROOT
    if spec.setup:
        spec.setup(ctx)
    env = {**ctx.env, **{k: ctx.fmt(v) for k, v in spec.env}}
    for earlier in spec.before:
        first = TABLE[earlier][0]
        prior = earlier
        for placeholder, value in first.substitute:
            prior = prior.replace(placeholder, ctx.fmt(value))
        if first.setup:
            first.setup(ctx)
        r = subprocess.run(["bash", "-c", prior], cwd=cwd, env=env, input=first.stdin, capture_output=True,
                           text=True, timeout=300, start_new_session=True)
        assert r.returncode == 0, _report(_locations(earlier), prior, r, "(run first) failed")

    if spec.mode == "serve":
        log = ctx.tmp / "serve.log"
        with log.open("w") as out:
            proc = subprocess.Popen(["bash", "-c", command], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + 180
            while not spec.ready(ctx):
                assert proc.poll() is None, f"{where}: `{command}` stopped (exit {proc.returncode}):\n{log.read_text()[-4000:]}"
                assert time.monotonic() < deadline, f"{where}: `{command}` not ready in time:\n{log.read_text()[-4000:]}"
                time.sleep(0.3)
            if spec.check:  # while it runs
                try:
                    spec.check(ctx, subprocess.CompletedProcess(command, 0, log.read_text(), ""))
                except AssertionError as exc:
                    raise AssertionError(f"{where}: `{command}` check failed: {exc}\n{log.read_text()[-4000:]}") from None
        finally:
            _stop(proc)
        result = subprocess.CompletedProcess(command, 0, log.read_text(), "")
    else:
        result = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, input=spec.stdin, capture_output=True,
                                text=True, timeout=600, start_new_session=True)
        if result.returncode != spec.exit:
            raise AssertionError(_report(where, command, result, f"exited {result.returncode}, expected {spec.exit}"))
    for stream, patterns in (("stdout", spec.stdout), ("stderr", spec.stderr)):
        for pattern in patterns:
            if not re.search(pattern, getattr(result, stream), re.M):
                raise AssertionError(_report(where, command, result, f"{stream} does not match {pattern!r}"))
    if spec.shown_output:
        assert shown, f"{where}: the doc shows no output after `{text}`"
        printed = (result.stdout + result.stderr).splitlines()
        for line in shown[0].splitlines():
            if line.strip() and line not in printed:
                raise AssertionError(_report(where, command, result,
                                             f"does not print the line {shown[1]} shows: {line!r}"))
    if spec.check and spec.mode != "serve":
        try:
            spec.check(ctx, result)
        except AssertionError as exc:
            raise AssertionError(_report(where, command, result, f"check failed: {exc}")) from None


def make_ctx(tmp_path: Path, spec: Run, request, template: tuple[Path, str]) -> Ctx:
    db_path = tmp_path / "meldpunt.db"
    key = template[1]
    server = None
    if spec.db == "server":
        server = request.getfixturevalue("demo_server")
        db_path, key, port = server.db_path, server.key, server.port
    else:
        port = free_port() if spec.mode == "serve" else 8000
        if spec.db == "demo":
            copy_sqlite(template[0], db_path)
        else:
            key = generate_key()
    return Ctx(tmp_path, port, key, db_path, env=base_env(db_path, key), server=server)


# --------------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------------

DOC_COMMANDS, PARSE_PROBLEMS = collect(DOCS)
DOCUMENTED = sorted({c.text for c in DOC_COMMANDS})


def test_every_documented_command_has_a_test_entry():
    problems = check(DOCS, TABLE)
    assert not problems, "\n".join(problems)


def test_every_table_entry_is_still_documented():
    stale = [text for text in TABLE if text not in DOCUMENTED]
    assert not stale, "table entries no doc shows any more:\n" + "\n".join(stale)


def test_every_output_a_doc_shows_is_checked():
    unchecked = [f"{c.shown_output_location}: output shown for `{c.text}` is checked by no run"
                 for c in DOC_COMMANDS if c.shown_output and c.text in TABLE
                 and not (isinstance(TABLE[c.text], tuple) and any(r.shown_output for r in TABLE[c.text]))]
    assert not unchecked, "\n".join(unchecked)


def _params():
    for text in DOCUMENTED:
        entry = TABLE.get(text)
        if not isinstance(entry, tuple):
            continue  # missing: the test above fails; NotRun: the reason is in the table
        # a command that starts the in-server mail sender skips itself under libfaketime (below): .ci/run runs it on
        # the real date with the database tests (`-m real_date`)
        marks = (pytest.mark.real_date,) if "MELDPUNT_SMTP_HOST" in text else ()
        yield pytest.param(text, id=text[:80], marks=marks)


@pytest.mark.parametrize("text", list(_params()))
def test_documented_command(text, tmp_path, request, demo_template):
    if os.environ.get("FAKETIME") and "MELDPUNT_SMTP_HOST" in text:
        # `make test-on`: the mail sender inside the server waits between rounds on the monotonic clock, which
        # libfaketime moves, so its second round never comes; this command is run on the real date in `make test`
        pytest.skip("the in-server mail sender's rounds wait on the monotonic clock, which libfaketime moves")
    for i, spec in enumerate(TABLE[text]):
        work = tmp_path / f"run{i}"
        work.mkdir()
        ctx = make_ctx(work, spec, request, demo_template)
        execute(text, spec, ctx, _locations(text), shown=_shown_output(text))


# --- the mechanism itself, on temporary copies of the docs --------------------------------------

def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def test_a_broken_command_in_a_copy_of_the_readme_fails_with_its_file_and_line(tmp_path, demo_template, request):
    copy = tmp_path / "README.md"
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    good = ".venv/bin/meldpunt processes check "
    assert text.count(good) == 1
    copy.write_text(text.replace(good, ".venv/bin/meldpunt processes chekc "), encoding="utf-8")
    line = _line_of(copy, "processes chekc")

    problems = check([copy], TABLE)
    assert problems == [f"{copy}:{line}: command has no test entry: .venv/bin/meldpunt processes chekc"]

    # Run as written (the default entry), the broken command fails too, again naming file and line.
    broken = next(c for c in parse(copy).commands if "chekc" in c.text)
    assert broken.location == Location(copy, line)
    spec = Run(db="none")
    with pytest.raises(AssertionError) as failure:
        execute(broken.text, spec, make_ctx(tmp_path, spec, request, demo_template), str(broken.location))
    message = str(failure.value)
    assert message.startswith(f"{copy}:{line}: `.venv/bin/meldpunt processes chekc` exited 2, expected 0"), message
    assert "Onbekend commando 'chekc'" in message  # the CLI's usage errors are Dutch (cli/errors.py)


def test_a_new_command_block_without_an_entry_fails(tmp_path):
    copy = tmp_path / "MANAGEMENT_INFO.md"
    original = (ROOT / "docs" / "MANAGEMENT_INFO.md").read_text(encoding="utf-8")
    copy.write_text(original + "\n## Nieuw\n\n```bash\nmeldpunt report units   # nu ook als CSV\n"
                               "meldpunt report units --csv \\\n    --output units.csv\n```\n", encoding="utf-8")
    problems = check([copy], TABLE)
    first = len(original.splitlines()) + 5  # the line after ```bash
    # the known command passes; the new one fails at its first line, continuation joined, comment dropped
    assert problems == [f"{copy}:{first + 1}: command has no test entry: meldpunt report units --csv --output units.csv"]


def test_the_extractor_finds_blocks_indented_blocks_and_inline_commands(tmp_path):
    doc = tmp_path / "x.md"
    doc.write_text("# T\n\nTekst `meldpunt audit verify` en `make` en `meldpunt`.\n\n"
                   "    meldpunt report units\n    POST /api/v1/x\n\n"
                   "```\nmake run   # start\nuitvoer\n```\n\n```\nDemo klaar\n```\n\n"
                   "```sh\ncurl -s \\\n  http://x/\n```\n``` tekst\n", encoding="utf-8")
    parsed = parse(doc)
    assert [(c.text, c.location.line, c.kind) for c in parsed.commands] == [
        ("meldpunt audit verify", 3, "inline"), ("meldpunt report units", 5, "indented"),
        ("make run", 9, "block"), ("curl -s http://x/", 18, "block")]
    assert parsed.commands[2].shown_output == "Demo klaar"
    assert parsed.problems == [f"{doc}:21: code fence is never closed"]
