"""The container image and compose files (issue 22), checked where Docker cannot run (no daemon, no image
registry here): what they promise is read from the files themselves.

- the image: a small Python base, the front-end packages from npm installed at build time (``npm ci`` from the
  lock file), runs as a non-root user, a health check on a route that exists, every copied path exists;
- the compose file: PostgreSQL, a migration before anything else, N API processes and M timer workers, the
  reverse proxy; only the proxy's forwarded headers believed, secure cookies, no secret in the file;
- the proxy: /metrics not passed on, an access log without query strings or client addresses;
- the API processes start the same way in the container and in ``deploy/run-processes.sh``; the logging
  file uvicorn reads is ``engine.logs.dict_config()``.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from engine.logs import dict_config

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
NGINX = (ROOT / "deploy" / "nginx.conf").read_text()
ENTRYPOINT = (ROOT / "deploy" / "entrypoint.sh").read_text()
SCRIPT = (ROOT / "deploy" / "run-processes.sh").read_text()


def _stages() -> list[tuple[str, list[str]]]:
    """(base image, instructions) per build stage (continuation lines joined)."""
    text = re.sub(r"\\\n", " ", DOCKERFILE)
    stages: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append((line.split()[1], []))
        else:
            stages[-1][1].append(line)
    return stages


def test_the_image_is_small_non_root_and_builds_its_front_end_from_npm():
    stages = _stages()
    base, final = stages[-1]
    assert base == "python:3.11-slim"
    users = [i.split()[1] for i in final if i.upper().startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    entry = next(i for i in final if i.startswith("ENTRYPOINT"))
    assert final.index(next(i for i in final if i.startswith("USER "))) < final.index(entry)
    assert not any(i.startswith("RUN") and ("npm" in i or "apt-get install" in i) for i in final)  # no build tools
    npm_stage = next(instructions for image, instructions in stages if image.startswith("node:"))
    assert any(i.startswith("RUN npm ci") for i in npm_stage)
    assert any(i.startswith("COPY --from=assets") and "node_modules /app/node_modules" in i for i in final)
    # every source the build copies from the context exists
    for _, instructions in stages:
        for i in instructions:
            if i.startswith("COPY ") and "--from=" not in i:
                for source in shlex.split(i)[1:-1]:
                    assert (ROOT / source).exists(), source
    # the health check asks a route the API has
    assert "/api/v1/gereed" in next(i for i in final if i.startswith("HEALTHCHECK"))
    assert json.loads(entry.split(None, 1)[1]) == ["/app/deploy/entrypoint.sh"]


def test_compose_has_postgres_migration_api_timer_workers_and_proxy():
    services = COMPOSE["services"]
    assert set(services) == {"db", "migrate", "api", "timers", "brieven", "proxy"}
    assert services["db"]["image"].startswith("postgres:")
    assert services["migrate"]["command"] == ["migrate"]
    for role in ("api", "timers", "brieven"):
        assert services[role]["command"] == [role]
        assert services[role]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        env = services[role]["environment"]
        assert env["MELDPUNT_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert env["MELDPUNT_TIMERS_IN_SERVER"] == "false" and env["MELDPUNT_LOG_JSON"] == "true"
        assert env["MELDPUNT_BRIEVEN_IN_SERVER"] == "false"  # the letter workers render, not threads in the API
    assert "${MELDPUNT_API_PROCESSES" in services["api"]["environment"]["MELDPUNT_API_PROCESSES"]
    assert "${MELDPUNT_TIMER_WORKERS" in str(services["timers"]["deploy"]["replicas"])
    assert "${MELDPUNT_LETTER_WORKERS" in str(services["brieven"]["deploy"]["replicas"])
    assert all(f"  {r})" in ENTRYPOINT for r in ("api", "timers", "brieven", "migrate"))  # the commands are its roles


def test_only_the_proxy_is_trusted_cookies_are_secure_and_no_secret_is_in_the_file():
    services = COMPOSE["services"]
    api = services["api"]["environment"]
    proxy_address = services["proxy"]["networks"]["edge"]["ipv4_address"]
    assert api["MELDPUNT_TRUSTED_PROXIES"] == proxy_address
    assert api["MELDPUNT_COOKIE_SECURE"] == "true" and api["MELDPUNT_HSTS"] == "true"
    # the OpenAPI document's server: MELDPUNT_PUBLIC_URL when set, else the code follows MELDPUNT_BASE_URL (never a
    # default of the compose file's own, such as this machine)
    assert api["MELDPUNT_PUBLIC_URL"] == "${MELDPUNT_PUBLIC_URL:-}"
    secrets = ("PASSWORD", "KEYS", "TOKEN")
    for service in services.values():
        for name, value in (service.get("environment") or {}).items():
            if any(s in name for s in secrets):
                assert re.fullmatch(r"\$\{\w+:\?[^}]+\}", value), f"{name}: a secret must come from .env"
            if name == "MELDPUNT_DATABASE_URL":
                assert "${POSTGRES_PASSWORD:?" in value
    for mount in services["proxy"]["volumes"]:
        source = mount.split(":")[0]
        assert (ROOT / source).exists(), source


def test_the_proxy_forwards_the_client_hides_metrics_and_logs_nothing_confidential():
    assert re.search(r"location = /metrics\s*{\s*return 404;", NGINX)
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in NGINX
    assert "proxy_set_header X-Request-ID $request_id;" in NGINX
    log_format = NGINX[NGINX.index("log_format"):NGINX.index(";", NGINX.index("log_format"))]
    for variable in ("$request ", "$request\"", "$request_uri", "$args", "$query_string", "$remote_addr",
                     "$http_", "$cookie_", "$proxy_add_x_forwarded_for"):
        assert variable not in log_format, variable
    assert all(line.strip().endswith("meldpunt;") for line in NGINX.splitlines() if "access_log" in line)


def test_the_shell_scripts_parse():
    for shell, path in (("sh", "deploy/entrypoint.sh"), ("bash", "deploy/run-processes.sh")):
        r = subprocess.run([shell, "-n", str(ROOT / path)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        assert os.access(ROOT / path, os.X_OK), f"{path} is not executable"


def test_api_processes_start_alike_in_the_container_and_the_script_and_log_json():
    for flags in ("--factory", "--no-proxy-headers", "--no-access-log", "--log-config"):
        assert flags in ENTRYPOINT and flags in SCRIPT, flags
    assert json.loads((ROOT / "deploy" / "logging.json").read_text()) == dict_config()


def test_the_api_starts_one_process_per_core_on_postgresql_by_default_and_one_on_sqlite():
    """Issue 25: no fixed number of API processes in the deployment files; ``meldpunt api-processes`` decides."""
    from cli.main import api_processes_setting

    compose_value = COMPOSE["services"]["api"]["environment"]["MELDPUNT_API_PROCESSES"]
    assert compose_value == "${MELDPUNT_API_PROCESSES:-0}"  # 0: the default, one per core
    assert 'processes="$(meldpunt api-processes)"' in ENTRYPOINT and '--workers "$processes"' in ENTRYPOINT
    assert 'API_PROCESSES="$("$PY" -m cli.main api-processes)"' in SCRIPT
    assert "MELDPUNT_API_PROCESSES:-2" not in ENTRYPOINT + SCRIPT
    postgres, sqlite = "postgresql+psycopg://meldpunt@db:5432/meldpunt", "sqlite:////tmp/meldpunt.db"
    for unset in (None, "", "0"):
        assert api_processes_setting(postgres, unset, cpus=6) == 6
        assert api_processes_setting(sqlite, unset, cpus=6) == 1
    assert api_processes_setting(postgres, "3", cpus=6) == 3
    for bad in ("-1", "abc", "²", "1e3", "99999999999999999999"):  # the reason in Dutch, never int()'s English
        with pytest.raises(ValueError, match="een positief aantal"):
            api_processes_setting(postgres, bad, cpus=6)


def test_the_image_and_the_documented_env_file_leave_the_number_of_api_processes_to_the_cores():
    """Issue 25: the image's ENV and ``deploy/env.example`` (copied to .env as documented) must not pin a number
    of API processes: unset, empty or 0 is one per core on PostgreSQL (``meldpunt api-processes``)."""
    image_env = dict(re.findall(r"([A-Z_]+)=(\S*)", " ".join(ins for ins in _stages()[-1][1] if ins.startswith("ENV "))))
    assert image_env.get("MELDPUNT_API_PROCESSES", "0") in ("", "0"), image_env.get("MELDPUNT_API_PROCESSES")
    env_example = dict(line.split("=", 1) for line in (ROOT / "deploy" / "env.example").read_text().splitlines()
                       if line.strip() and not line.lstrip().startswith("#"))
    assert env_example.get("MELDPUNT_API_PROCESSES", "0").strip() in ("", "0"), env_example["MELDPUNT_API_PROCESSES"]


def test_every_start_of_the_api_runs_on_uvloop_and_httptools(monkeypatch):
    """Issue 25: ``uvicorn[standard]``: the event loop is uvloop and HTTP is parsed by httptools, not the pure-Python
    h11 on asyncio. uvicorn takes them only when nothing pins ``--loop``/``--http`` and both are installed; so
    ``meldpunt serve``'s own arguments are turned into uvicorn's configuration here and asked which loop and which
    HTTP protocol they give, and the deployment scripts must not pin either."""
    import uvicorn
    import uvloop
    from uvicorn.config import HTTP_PROTOCOLS
    from uvicorn.importer import import_from_string
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    import cli.common
    from cli.main import serve

    for text in (ENTRYPOINT, SCRIPT):
        assert not re.search(r"--(loop|http)\b", text)
    started = {}
    monkeypatch.setattr(cli.common, "require_current_schema", lambda: None)
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.update(options, app=app))
    serve(host="127.0.0.1", port=8000, workers=1)
    config = uvicorn.Config(started.pop("app"), **started)
    loop = config.get_loop_factory()()
    try:
        assert isinstance(loop, uvloop.Loop), type(loop)
    finally:
        loop.close()
    assert import_from_string(HTTP_PROTOCOLS.get(config.http, config.http)) is HttpToolsProtocol, config.http


@pytest.mark.parametrize("url, setting, expected", [
    ("sqlite:///{tmp}/m.db", None, "1"),
    ("postgresql+psycopg://meldpunt@127.0.0.1:1/meldpunt", None, "cores"),
    ("postgresql+psycopg://meldpunt@127.0.0.1:1/meldpunt", "3", "3"),
])
def test_meldpunt_api_processes_prints_the_number_the_scripts_start(tmp_path, url, setting, expected):
    env = {k: v for k, v in os.environ.items() if k != "MELDPUNT_API_PROCESSES"}
    env.update({"MELDPUNT_DATABASE_URL": url.format(tmp=tmp_path), "PYTHONPATH": str(ROOT)})
    if setting is not None:
        env["MELDPUNT_API_PROCESSES"] = setting
    r = subprocess.run([sys.executable, "-m", "cli.main", "api-processes"], capture_output=True, text=True, env=env,
                       cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == (str(len(os.sched_getaffinity(0))) if expected == "cores" else expected)


def test_production_declares_its_base_url_and_refuses_to_start_without_one(tmp_path):
    """Letters and e-mails link to MELDPUNT_BASE_URL (the reporter portal is it plus /mijn-melding): the deployment
    files declare it, and every role of the image and the script refuse to start without an https address that is
    not this machine's own (MELDPUNT_PRODUCTION, set by the image and the script; tests/cli/test_production_base_url.py
    has every reason)."""
    shared = COMPOSE["x-meldpunt"]["environment"]
    assert re.fullmatch(r"\$\{MELDPUNT_BASE_URL:\?[^}]+\}", shared["MELDPUNT_BASE_URL"])
    assert shared["MELDPUNT_PRODUCTION"] == "true"
    for role in ("migrate", "api", "timers", "brieven"):
        assert "MELDPUNT_BASE_URL" in COMPOSE["services"][role]["environment"], role
    final = _stages()[-1][1]
    assert any(i.startswith("ENV ") and "MELDPUNT_PRODUCTION=true" in i for i in final)
    example = dict(line.split("=", 1) for line in (ROOT / "deploy" / "env.example").read_text().splitlines()
                   if line and not line.startswith("#"))
    assert example["MELDPUNT_BASE_URL"].startswith("https://")
    assert "export MELDPUNT_PRODUCTION=true" in SCRIPT

    env = {k: v for k, v in os.environ.items() if not k.startswith("MELDPUNT_")}
    env.update({"MELDPUNT_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}", "MELDPUNT_RUN_DIR": str(tmp_path / "run"),
                "MELDPUNT_PYTHON": sys.executable, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
                "PYTHONPATH": str(ROOT), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"})
    runs = [["bash", str(ROOT / "deploy" / "run-processes.sh")]]
    runs += [["sh", str(ROOT / "deploy" / "entrypoint.sh"), role] for role in ("migrate", "api", "timers", "brieven")]
    for args in runs:  # the image's ENV says production; the script says so itself
        r = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=120,
                           env={**env, "MELDPUNT_PRODUCTION": "true"} if args[0] == "sh" else env)
        assert r.returncode != 0, (args, r.stdout, r.stderr)
        assert "MELDPUNT_BASE_URL ontbreekt" in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)
    assert not (tmp_path / "m.db").exists()  # nothing migrated, nothing started
    assert not list((tmp_path / "run").glob("*.pid"))
