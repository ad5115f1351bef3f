"""The long-running processes refuse to start on a database that is not at this product's schema.

``meldpunt serve``, ``meldpunt timers run``, ``meldpunt brieven run`` and ``meldpunt mail run`` (and the API started
by uvicorn itself, as deploy/entrypoint.sh and deploy/run-processes.sh do) used to start on a fresh database, or on one
left behind by an upgrade of the product before ``meldpunt db upgrade``, and then fail every request or log an error
every round. Now they say in Dutch what to do and stop by themselves (exit code 1), before serving anything. A database
AHEAD of the product (a newer revision this code does not know: an older process during an upgrade) is refused too,
naming both revisions."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from engine.crypto import generate_key
from engine.migrations.runner import head_revision, upgrade
from tests.live import free_port

ROOT = Path(__file__).resolve().parents[2]
MELDPUNT = str(Path(sys.executable).with_name("meldpunt"))
SCHEMA = "De database heeft nog niet het actuele schema. Voer eerst 'meldpunt db upgrade' uit."
ENGLISH = ("Traceback", "OperationalError", "ProgrammingError", "Error")
PORTS = range(18760, 18790)
OLDER = "0040_saved_view_notices"
NEWER = "0099_uit_de_toekomst"

COMMANDS = {
    "serve": lambda port: ("serve", "--port", str(port), "--workers", "1"),
    "timers": lambda port: ("timers", "run", "--poll", "0.2"),
    "brieven": lambda port: ("brieven", "run", "--poll", "0.2"),
    "mail": lambda port: ("mail", "run", "--poll", "0.2"),
}


def _env(url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MELDPUNT_")}
    env.update({"MELDPUNT_DATABASE_URL": url, "MELDPUNT_ENCRYPTION_KEYS": generate_key(),
                "MELDPUNT_TWEEDE_FACTOR": "uit"})
    return env


def _run(args, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    """A process that does not refuse keeps running: the timeout fails the test (it must stop by itself), and its
    whole process group is killed (a deployment script's supervisors and their servers and workers with it)."""
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    return subprocess.CompletedProcess(args, proc.returncode, stdout, stderr)


def _start(url: str, args, cwd: Path) -> subprocess.CompletedProcess:
    return _run(args, cwd, _env(url))


def _fresh(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'nieuw.db'}"


def _older(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'oud.db'}"
    upgrade(url, OLDER)
    return url


def _newer(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'nieuwer.db'}"
    upgrade(url)
    engine = create_engine(url)
    with engine.begin() as conn:  # what a newer version of the product would have written
        conn.execute(text("UPDATE alembic_version SET version_num = :rev"), {"rev": NEWER})
    engine.dispose()
    return url


@pytest.mark.parametrize("database", [_fresh, _older], ids=["fresh", "behind"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_long_running_command_refuses_a_database_not_at_the_schema(tmp_path, command, database):
    url = database(tmp_path)

    r = _start(url, [MELDPUNT, *COMMANDS[command](free_port(PORTS))], cwd=tmp_path)

    assert r.returncode == 1, (r.returncode, r.stdout[-2000:], r.stderr[-3000:])
    assert SCHEMA in r.stderr
    assert not any(word in r.stdout + r.stderr for word in ENGLISH), r.stderr[-3000:]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_long_running_command_refuses_a_database_ahead_of_the_product(tmp_path, command):
    url = _newer(tmp_path)

    r = _start(url, [MELDPUNT, *COMMANDS[command](free_port(PORTS))], cwd=tmp_path)

    assert r.returncode == 1, (r.returncode, r.stdout[-2000:], r.stderr[-3000:])
    assert (f"De database heeft een nieuwer schema (revisie {NEWER}) dan deze versie van Meldpunt kent "
            f"(revisie {head_revision()})") in r.stderr, r.stderr[-3000:]
    assert SCHEMA not in r.stderr  # db upgrade would not help
    assert not any(word in r.stdout + r.stderr for word in ENGLISH), r.stderr[-3000:]


def test_the_api_started_by_uvicorn_itself_refuses_a_database_behind(tmp_path):
    """deploy/entrypoint.sh and deploy/run-processes.sh start ``uvicorn api.app:create_app --factory``: the
    application's start-up refuses, with the same message, and the server stops by itself."""
    url = _older(tmp_path)
    port = free_port(PORTS)

    r = _start(url, [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--port", str(port),
                     "--no-access-log"], cwd=ROOT)

    assert r.returncode != 0, (r.returncode, r.stderr[-3000:])
    assert SCHEMA in r.stderr, r.stderr[-3000:]
    assert "Application startup complete" not in r.stderr


def test_at_the_schema_the_workers_run(tmp_path):
    url = f"sqlite:///{tmp_path / 'actueel.db'}"
    upgrade(url)

    for args in (("timers", "run", "--once"), ("brieven", "run", "--once"), ("mail", "run", "--once")):
        r = _start(url, [MELDPUNT, *args], cwd=tmp_path)
        assert r.returncode == 0, (args, r.stdout, r.stderr[-3000:])


def test_db_check_says_whether_the_database_is_at_the_schema(tmp_path):
    behind = _start(_older(tmp_path), [MELDPUNT, "db", "check"], cwd=tmp_path)
    assert behind.returncode == 1, (behind.returncode, behind.stdout, behind.stderr[-3000:])
    assert behind.stderr.strip() == SCHEMA

    url = f"sqlite:///{tmp_path / 'actueel.db'}"
    upgrade(url)
    current = _start(url, [MELDPUNT, "db", "check"], cwd=tmp_path)
    assert current.returncode == 0, current.stderr[-3000:]
    assert current.stdout.strip() == "De database heeft het actuele schema."


@pytest.mark.parametrize("args", [["bash", str(ROOT / "deploy" / "run-processes.sh")],
                                  ["sh", str(ROOT / "deploy" / "entrypoint.sh"), "api"]],
                         ids=["run-processes", "entrypoint-api"])
def test_the_deployment_scripts_start_nothing_on_a_database_behind(tmp_path, args):
    """run-processes.sh without its migration (MELDPUNT_MIGRATE=false) and the container's api role (compose runs the
    migrate role first; a container started on its own does not): the reason once, exit code 1, nothing started."""
    url = _older(tmp_path)
    env = {**_env(url), "MELDPUNT_BASE_URL": "https://meldpunt.example.nl", "MELDPUNT_PRODUCTION": "true",
           "MELDPUNT_MIGRATE": "false", "MELDPUNT_RUN_DIR": str(tmp_path / "run"), "MELDPUNT_PYTHON": sys.executable,
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"), "PYTHONPATH": str(ROOT),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}

    r = _run(args, ROOT, env)

    assert r.returncode == 1, (r.returncode, r.stdout[-2000:], r.stderr[-3000:])
    assert SCHEMA in r.stderr
    assert not any(word in r.stdout + r.stderr for word in ENGLISH), r.stderr[-3000:]
    assert not list((tmp_path / "run").glob("*.pid"))
