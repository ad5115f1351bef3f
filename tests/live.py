"""Real processes on the loopback for the no-hang and chaos tests: uvicorn servers and timer workers.

Each runs in its own process group so it can be killed with SIGKILL (a hung process does not stop
gracefully); its output goes to a temporary file, shown when it fails to start.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from engine import crypto

ROOT = Path(__file__).resolve().parents[1]


def free_port(ports: range) -> int:
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")


def environment(database_url: str, key: str, extra: dict | None = None) -> dict:
    # a fresh environment, but the suite's audit key (one chain, one key) and its two-factor setting (the suite logs
    # in with a password; tests/conftest.py)
    kept = {"MELDPUNT_AUDIT_KEYS", "MELDPUNT_TWEEDE_FACTOR"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("MELDPUNT_") or k in kept}
    env.update({"MELDPUNT_DATABASE_URL": database_url, "MELDPUNT_COOKIE_SECURE": "false",
                "MELDPUNT_TIMERS_IN_SERVER": "false", crypto.ENV_VAR: key, "PYTHONUNBUFFERED": "1",
                "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
                **(extra or {})})
    return env


class Process:
    def __init__(self, args: list[str], env: dict):
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self) -> str:
        return self.output()[-3000:]

    def output(self) -> str:
        """Everything the process wrote so far (stdout and stderr)."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def wait_for_output(self, text: str, timeout: float = 15) -> bool:
        """Wait (bounded) until the process has written ``text``: a server writes a request's log line after the
        response has gone out, so the client can be done before the line is written."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return True
            time.sleep(0.05)
        return False

    def kill(self) -> None:
        """SIGKILL the process group (a hung or crashing process gets no chance to clean up)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)


class Server(Process):
    """``uvicorn api.app:create_app --factory`` on the loopback (its default request threads)."""

    QUIET = ("-m", "uvicorn", "api.app:create_app", "--factory", "--no-access-log", "--log-level", "warning")

    def __init__(self, database_url: str, key: str, *, ports: range, port: int | None = None,
                 extra_env: dict | None = None, command: tuple[str, ...] = QUIET):
        """``command``: the server's command line after the interpreter, without ``--host`` and ``--port`` (the
        suites' quiet uvicorn; or as an operator starts it, e.g. ``-m cli.main serve``)."""
        self.port = port or free_port(ports)
        self.base_url = f"http://127.0.0.1:{self.port}"
        args = [sys.executable, *command, "--host", "127.0.0.1", "--port", str(self.port)]
        super().__init__(args, environment(database_url, key, extra_env))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError("server exited:\n" + self.log_tail())
            try:
                if httpx.get(self.base_url + "/api/v1/gereed", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.kill()
        raise RuntimeError("server did not start:\n" + self.log_tail())

    stop = Process.kill


class TimerWorker(Process):
    """``meldpunt timers run`` (the CLI's worker loop)."""

    def __init__(self, database_url: str, key: str, *, poll: float = 1.0):
        super().__init__([sys.executable, "-m", "cli.main", "timers", "run", "--poll", str(poll)],
                         environment(database_url, key))
