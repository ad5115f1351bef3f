"""The benchmark's PostgreSQL CPU reading (bench/pg_cpu.py, issue 25): no timing assertions, only that CPU the
database's backend spent is seen, and that the figure reaches the report."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench import pg_cpu
from bench.m2_http import postgresql_cpu_fields
from bench.report import _targets_pg_cpu


def test_a_backend_is_recognised_by_the_database_in_its_process_title():
    assert pg_cpu.serves("postgres: 15/main: postgres meldpunt_bench_1a2b 127.0.0.1(5432) idle", "meldpunt_bench_1a2b")
    assert pg_cpu.serves("postgres: app bench [local] SELECT", "bench")
    assert not pg_cpu.serves("postgres: 15/main: postgres other_db 127.0.0.1(5432) idle", "meldpunt_bench_1a2b")
    assert not pg_cpu.serves("postgres: 15/main: checkpointer", "checkpointer_db")
    assert not pg_cpu.serves("/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main", "main")


def test_the_cpu_of_the_database_backends_is_read(db):
    if db.dialect != "postgresql":
        assert pg_cpu.for_database(db) is None  # SQLite: not measured, reported as such
        assert postgresql_cpu_fields(None, 10)["postgresql_cpu_ms_per_completion"] is None
        return
    host = make_url(db.url).host or "localhost"
    sampler = pg_cpu.for_database(db)
    if host not in ("127.0.0.1", "localhost", "::1"):  # a server elsewhere: its processes are not ours to read
        assert sampler is None
        return
    assert sampler is not None, "the PostgreSQL server runs here, its backends must be visible in /proc"
    try:
        mark = sampler.mark()
        with db.engine.connect() as conn:  # CPU in the backend (not in this process): a large aggregate
            backend = conn.execute(text("select pg_backend_pid()")).scalar_one()
            for _ in range(3):
                conn.execute(text("select count(*) from generate_series(1, 2000000)")).scalar_one()
            reading = sampler.since(mark)
    finally:
        sampler.stop()
    assert backend in sampler.cpu
    assert reading["seconds"] > 0 and reading["backends"] >= 1
    fields = postgresql_cpu_fields(reading, 4)
    assert fields["postgresql_cpu_ms_per_completion"] == reading["seconds"] * 1000 / 4
    run = {"dialect": "postgresql", "workers": 1, "task_completions": 4, "cpu": {
        "server_cpu_ms_per_completion": 50.0, **fields}}
    results = {"measurements": {"m2_http": {"runs": {"postgresql_1w": run}}}}
    (target,) = _targets_pg_cpu(results)
    assert target["status"] in ("MET", "MISSED") and "PostgreSQL CPU per completion" in target["target"]
