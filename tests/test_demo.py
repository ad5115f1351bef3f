"""`make run`'s demo: users in every role and sample cases through the real process; idempotent."""
from __future__ import annotations

from sqlalchemy import func, select
from typer.testing import CliRunner

from cli.main import app
from engine.cases.models import Case
from engine.identity import service as identity
from engine.identity.models import User
from engine.identity.roles import known_roles
from engine.worklist import service as worklist


def test_demo_seeds_every_role_and_sample_cases_once(db, clock):
    from engine.demo import DEMO_PASSWORD, seed

    with db.session() as s:
        first = seed(session=s)
    with db.session() as s:
        again = seed(session=s)
        assert first["cases"] == 3 and again["cases"] == 0
        assert s.scalar(select(func.count()).select_from(Case)) == 3
        roles = {r for u in s.scalars(select(User)) for r in u.role_codes}
        assert set(known_roles()) <= roles
        desk = identity.authenticate(session=s, username="meldpunt", password=DEMO_PASSWORD)
        names = sorted(i.element_id for i in worklist.unassigned_in_my_roles(session=s, user=desk))
        assert names.count("melding_registreren") == 2  # the anonymous and the vertrouwenspersoon report
        # the named report was registered and acknowledged: it waits for assessment
        teamleider = s.scalar(select(User).where(User.username == "teamleider"))
        assert worklist.unassigned_in_my_roles(session=s, user=teamleider) == []


def test_cli_demo_without_serving(db, clock, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MELDPUNT_DATABASE_URL", db.url)
    result = CliRunner().invoke(app, ["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "wachtwoord 'meldpunt-demo'" in result.output


def test_timer_worker_runs_inside_the_server(db, clock, monkeypatch):
    from datetime import timedelta

    from fastapi.testclient import TestClient

    from api.app import create_app
    from engine.config import get_settings
    from engine.demo import seed
    from engine.timers.models import Timer

    with db.session() as s:
        seed(session=s)
    clock.advance(timedelta(days=120))  # past the 3-month feedback term of the acknowledged case
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Timer).where(
            Timer.state == "pending", Timer.fire_at < clock.now())) > 0
    monkeypatch.setenv("MELDPUNT_TIMERS_IN_SERVER", "true")
    monkeypatch.setenv("MELDPUNT_TIMER_POLL_SECONDS", "0.05")
    get_settings.cache_clear()
    try:
        with TestClient(create_app()):
            import time

            for _ in range(200):
                with db.session() as s:
                    due = s.scalar(select(func.count()).select_from(Timer).where(
                        Timer.state == "pending", Timer.fire_at < clock.now()))
                if not due:
                    break
                time.sleep(0.05)
    finally:
        get_settings.cache_clear()
    assert due == 0
    import threading

    # the server waited for its timer worker at shutdown: no sweep keeps a transaction (and its locks) open behind it
    assert not [t for t in threading.enumerate() if t.name == "meldpunt-timers"]


def test_the_demo_with_an_smtp_server_gives_its_users_an_address_once(db, clock):
    from engine.demo import give_demo_addresses, seed

    with db.session() as s:
        seed(session=s)
        s.scalar(select(User).where(User.username == "hr")).email = "hr@voorbeeld.nl"
    with db.session() as s:
        assert give_demo_addresses(session=s) == 17  # every demo user but hr (issue 24 added three)
    with db.session() as s:
        assert give_demo_addresses(session=s) == 0
        emails = dict(s.execute(select(User.username, User.email)).all())
        assert emails["hr"] == "hr@voorbeeld.nl" and emails["meldpunt"] == "meldpunt@meldpunt-demo.example"
