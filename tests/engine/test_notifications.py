"""E-mail notifications (issue 22) against a real SMTP server on loopback (aiosmtpd, tests/smtp.py).

Every event's mail is read in full and searched for the case's confidential values; the outbox survives a mail
server that is down (retried with backoff), a sender killed while the server holds its message (never sent twice)
and a restart; the daily overview follows the engine clock; "uit" sends nothing. Two sender processes on
PostgreSQL never send one notification twice.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from engine.config import Settings
from engine.identity.models import User
from engine.intake import service as intake
from engine.notifications import sender, service
from engine.notifications.models import Notification
from engine.processes import service as processes
from engine.worklist import service as worklist
from tests.factories import make_user
from tests.smtp import SmtpServer

ROOT = Path(__file__).resolve().parents[2]
BASE_URL = "https://meldpunt.voorbeeld.nl"
SENDER = "meldpunt@voorbeeld.nl"

REPORT = {"categorie": "Financiële schendingen", "subcategorie": "fraude", "dienstonderdeel": "Douane",
          "omschrijving": "Kwartiermaker Zwanenburg sluist subsidiegelden weg via stichting Hoornblazer.",
          "melder_naam": "Rosalind Klaverblad", "melder_email": "rosalind.klaverblad@voorbeeld.org",
          "melder_telefoon": "0687654321", "melder_anoniem": False}


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.release()
        server.stop()


def settings_for(server: SmtpServer, **kw) -> Settings:
    return Settings(smtp_host="127.0.0.1", smtp_port=server.port, smtp_starttls=False, mail_sender=SENDER,
                    base_url=BASE_URL, **kw)


def staff(s, name: str, *roles: str, **kw) -> User:
    user = make_user(s, name, *roles, **kw)
    user.email = f"{name}@voorbeeld.nl"
    return user


def kinds_in(session) -> Counter:
    return Counter(session.scalars(select(Notification.kind)))


# --------------------------------------------------------------------------- what a mail says

def test_every_event_mails_only_that_there_is_something(db, clock, smtp):
    """New task, assignment, reporter's message, deadline near, deadline passed: each mail is read in full (raw
    and decoded) and holds none of the case's confidential values, only a link to the product."""
    config = settings_for(smtp)
    with db.session() as s:
        processes.deploy(session=s)
        desk, desk2 = staff(s, "desk", "meldpunt"), staff(s, "balie", "meldpunt")
        coord = staff(s, "coord", "integriteitscoordinator")
        chef = staff(s, "chef", "meldpunt")
        subject = staff(s, "zwanenburg", "onderzoeker", manager=chef)
        subject.display_name = "Kwartiermaker Zwanenburg"
        done = intake.submit_report(session=s, actor=None, data=REPORT, subject_user_id=subject.id)
        case_id, reference = done.case.id, done.case.reference
        ids = {u.username: u.id for u in (desk, desk2, coord, chef, subject)}
    with db.session() as s:  # a new task in the desk's role: both desk officers, not the subject's manager
        assert kinds_in(s) == {"nieuwe_taak": 2}
        assert set(s.scalars(select(Notification.user_id))) == {ids["desk"], ids["balie"]}
    assert sender.send_due(database=db, settings=config) == 2
    with db.session() as s:
        item = worklist.items_of_case(session=s, case_id=case_id)[0]
        worklist.claim(session=s, work_item_id=item.id, user=s.get(User, ids["desk"]))
        intake.message_from_reporter(session=s, case_id=case_id, text="Hoornblazer heeft ook een tweede rekening.")
        worklist.assign(session=s, work_item_id=item.id, by=s.get(User, ids["coord"]),
                        assignee=s.get(User, ids["balie"]), reason="Afwezigheid")
        due = item.due_at
    assert sender.send_due(database=db, settings=config) == 2  # the message to the desk; the assignment to balie
    clock.set(due - timedelta(days=3))  # within two working days of the deadline
    with db.session() as s:
        assert service.scan_deadlines(s, working_days=2) == 1
        assert service.scan_deadlines(s, working_days=2) == 0  # once per task, deadline and user
    clock.set(due + timedelta(hours=1))
    with db.session() as s:
        assert service.scan_deadlines(s, working_days=2) == 2  # the assignee and the coordinator
    assert sender.send_due(database=db, settings=config) == 3
    mails = smtp.messages()
    with db.session() as s:
        assert kinds_in(s) == {"nieuwe_taak": 2, "bericht_melder": 1, "taak_toegewezen": 1, "termijn_nadert": 1,
                               "termijn_verstreken": 2}
        assert set(s.scalars(select(Notification.state))) == {"sent"}
        to = {row.id: s.get(User, row.user_id).email for row in s.scalars(select(Notification))}
    assert len(mails) == 7 and sorted(m.rcpt[0] for m in mails) == sorted(to.values())
    assert {m.rcpt[0] for m in mails if "verstreken" in m.text} == {"balie@voorbeeld.nl", "coord@voorbeeld.nl"}

    needles = {REPORT["melder_naam"], "Klaverblad", REPORT["melder_email"], REPORT["melder_telefoon"],
               "Zwanenburg", subject_name := "Kwartiermaker", "zwanenburg", REPORT["categorie"], "Financi",
               "fraude", reference, "Douane"}
    needles |= {w.strip(".,") for w in REPORT["omschrijving"].split() if len(w) > 4}
    needles |= {"Hoornblazer", "rekening"}  # the reporter's message
    assert subject_name
    for mail in mails:
        body = mail.text
        for needle in needles:
            assert needle.lower() not in body.lower(), (needle, body)
        assert f"{BASE_URL}/werkvoorraad" in body
        links = re.findall(r"https?://\S+", body)
        assert links and all(link.startswith(BASE_URL + "/") for link in links)
    with db.engine.connect() as conn:  # the outbox itself carries nothing either
        dump = str(conn.execute(text("SELECT * FROM notifications")).all())
    assert not [n for n in needles if n.lower() in dump.lower()]


def test_enqueue_is_part_of_the_callers_transaction_and_checks_its_input(db):
    with db.session() as s:
        user = staff(s, "desk", "meldpunt")
        user_id = user.id
    with pytest.raises(RuntimeError), db.session() as s:
        service.enqueue(s, user_id=user_id, kind="nieuwe_taak", link="/werkvoorraad")
        raise RuntimeError("the event fails")
    with db.session() as s:
        assert kinds_in(s) == {}
    with db.session() as s:  # an engine event in a transaction that rolls back leaves nothing either
        processes.deploy(session=s)
    with pytest.raises(RuntimeError), db.session() as s:
        intake.submit_report(session=s, actor=None, data=REPORT)
        raise RuntimeError("the report fails")
    with db.session() as s:
        assert kinds_in(s) == {}
        for kind, link in (("onbekend", "/werkvoorraad"), ("nieuwe_taak", "https://elders.nl/x"),
                           ("nieuwe_taak", "/zaken?omschrijving=Fraude bij X")):
            with pytest.raises(ValueError):
                service.enqueue(s, user_id=user_id, kind=kind, link=link)
        no_mail = make_user(s, "zonder", "meldpunt")
        assert service.enqueue(s, user_id=no_mail.id, kind="nieuwe_taak", link="/werkvoorraad") is None


# --------------------------------------------------------------------------- delivery

def test_a_server_that_is_down_is_retried_with_backoff_and_nothing_is_sent_twice(db, clock, smtp):
    config = settings_for(smtp, mail_retry_seconds=60, mail_retry_max_seconds=600)
    smtp.stop()
    with db.session() as s:
        user_id = staff(s, "desk", "meldpunt").id
        service.enqueue(s, user_id=user_id, kind="nieuwe_taak", link="/werkvoorraad")
    assert sender.send_due(database=db, settings=config) == 0
    with db.session() as s:
        row = s.scalars(select(Notification)).one()
        assert (row.state, row.attempts, row.retry_at) == ("pending", 1, clock.now() + timedelta(seconds=60))
        assert "ConnectionRefused" in row.last_error
    clock.advance(timedelta(seconds=61))
    assert sender.send_due(database=db, settings=config) == 0  # still down: the wait doubles
    with db.session() as s:
        row = s.scalars(select(Notification)).one()
        assert (row.attempts, row.retry_at) == (2, clock.now() + timedelta(seconds=120))
    smtp.start()  # back up on the same port
    assert sender.send_due(database=db, settings=config) == 0  # not before its retry time
    assert smtp.messages() == []
    clock.advance(timedelta(seconds=121))
    assert sender.send_due(database=db, settings=config) == 1
    assert sender.send_due(database=db, settings=config) == 0
    assert len(smtp.messages()) == 1
    with db.session() as s:
        row = s.scalars(select(Notification)).one()
        assert (row.state, row.attempts, row.sent_at) == ("sent", 3, clock.now())


WORKER = textwrap.dedent("""
    import sys
    from datetime import datetime
    from engine import clock
    from engine.db import Database
    from engine.notifications.worker import run
    clock.set_clock(clock.FrozenClock(datetime.fromisoformat(sys.argv[2])))
    print(run(database=Database(sys.argv[1]), once=True))
""")


def _worker(db, server: SmtpServer, moment) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MELDPUNT_SMTP_HOST": "127.0.0.1",
           "MELDPUNT_SMTP_PORT": str(server.port), "MELDPUNT_SMTP_STARTTLS": "false",
           "MELDPUNT_MAIL_SENDER": SENDER, "MELDPUNT_BASE_URL": BASE_URL}
    return subprocess.Popen([sys.executable, "-c", WORKER, db.url, moment.isoformat()], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_sender_killed_mid_mail_and_restarted_never_sends_twice(db, clock, smtp):
    """The worker process is killed while the server holds its first message (handed over, no 250 heard yet);
    the restarted worker sends the others once and never that one again: at most once."""
    with db.session() as s:
        users = [staff(s, f"medewerker{i}", "meldpunt").id for i in range(3)]
        for user_id in users:
            service.enqueue(s, user_id=user_id, kind="nieuwe_taak", link="/werkvoorraad")
    smtp.hold()
    proc = _worker(db, smtp, clock.now())
    try:
        assert smtp.arrived.wait(120), proc.stderr.read() if proc.poll() is not None else "no mail arrived"
        proc.send_signal(signal.SIGKILL)
        proc.wait(60)
    finally:
        smtp.release()
    held = smtp.messages()
    assert len(held) == 1
    with db.session() as s:
        assert Counter(s.scalars(select(Notification.state))) == {"sending": 1, "pending": 2}
    restarted = _worker(db, smtp, clock.now())
    out, err = restarted.communicate(timeout=300)
    assert restarted.returncode == 0, err[-2000:]
    assert out.strip().splitlines()[-1] == "2"
    clock.advance(sender.lease(Settings()) + timedelta(seconds=1))
    again = _worker(db, smtp, clock.now())
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0 and out.strip().splitlines()[-1] == "0", err[-2000:]
    mails = smtp.messages()
    assert len(mails) == 3 and len({m.message_id for m in mails}) == 3
    assert sorted(m.rcpt[0] for m in mails) == sorted(f"medewerker{i}@voorbeeld.nl" for i in range(3))
    with db.session() as s:
        assert Counter(s.scalars(select(Notification.state))) == {"sent": 2, "onzeker": 1}


def test_daily_overview_follows_the_engine_clock(db, clock, smtp):
    config = settings_for(smtp)
    with db.session() as s:
        processes.deploy(session=s)
        desk = staff(s, "desk", "meldpunt")
        other = staff(s, "balie", "meldpunt")
        service.set_preference(session=s, user=desk, mode="dagelijks")
        desk_id = desk.id
        for _ in range(2):
            intake.submit_report(session=s, actor=None, data=REPORT)
        service.enqueue(s, user_id=desk_id, kind="bericht_melder", link="/werkvoorraad")
    assert sender.send_due(database=db, settings=config) == 2  # the colleague's direct mails go now
    clock.advance(timedelta(hours=12))  # 21:00 UTC: still Monday in Amsterdam
    assert sender.send_due(database=db, settings=config) == 0
    clock.advance(timedelta(hours=2))  # 23:00 UTC = Tuesday 00:00 in Amsterdam
    with db.session() as s:  # an event of the new day waits for the next overview
        service.enqueue(s, user_id=desk_id, kind="termijn_nadert", link="/werkvoorraad")
    assert sender.send_due(database=db, settings=config) == 1
    assert sender.send_due(database=db, settings=config) == 0
    overview = [m for m in smtp.messages() if m.rcpt == ["desk@voorbeeld.nl"]]
    assert len(overview) == 1
    body = overview[0].text
    assert "dagelijks overzicht" in body and "2 november 2026" in body
    assert "- Nieuwe taak: 2" in body and "- Nieuw bericht: 1" in body and "Termijn nadert" not in body
    for needle in ("Klaverblad", "Zwanenburg", "Financi", "Hoornblazer"):
        assert needle not in body
    clock.advance(timedelta(days=1))
    assert sender.send_due(database=db, settings=config) == 1
    assert "- Termijn nadert: 1" in smtp.messages()[-1].text


def test_preference_off_sends_nothing(db, clock, smtp):
    config = settings_for(smtp)
    with db.session() as s:
        processes.deploy(session=s)
        desk = staff(s, "desk", "meldpunt")
        other = staff(s, "balie", "meldpunt")
        service.set_preference(session=s, user=desk, mode="uit")
        intake.submit_report(session=s, actor=None, data=REPORT)
        other_id = other.id
    with db.session() as s:  # written when the report's transaction committed, for the colleague only
        assert [r.user_id for r in s.scalars(select(Notification))] == [other_id]
    with db.session() as s:  # switched off after the event, before the mail went: it lapses
        service.set_preference(session=s, user=s.get(User, other_id), mode="uit")
    assert sender.send_due(database=db, settings=config) == 0
    assert smtp.messages() == []
    with db.session() as s:
        assert list(s.scalars(select(Notification.state))) == ["vervallen"]
        with pytest.raises(Exception) as err:
            service.set_preference(session=s, user=s.get(User, other_id), mode="soms")
        assert err.value.errors[0].field == "voorkeur"


def test_starttls_and_login(db, clock, tmp_path):
    """STARTTLS against the server's certificate (a private CA file) and a login; a wrong password is retried."""
    import datetime as dt
    import ipaddress
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    start = clock.now() - timedelta(days=1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(start).not_valid_after(start + dt.timedelta(days=3650))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server = SmtpServer(tls_context=context, credentials=("meldpunt", "geheim-wachtwoord")).start()
    try:
        with db.session() as s:
            service.enqueue(s, user_id=staff(s, "desk", "meldpunt").id, kind="nieuwe_taak", link="/werkvoorraad")
        wrong = Settings(smtp_host="127.0.0.1", smtp_port=server.port, smtp_starttls=True,
                         smtp_ca_file=tmp_path / "cert.pem", smtp_user="meldpunt", smtp_password="fout",
                         mail_sender=SENDER, base_url=BASE_URL)
        assert sender.send_due(database=db, settings=wrong) == 0
        with db.session() as s:
            row = s.scalars(select(Notification)).one()
            assert row.state == "pending" and "Authentication" in row.last_error and "fout" not in row.last_error
        clock.advance(timedelta(hours=1))
        right = wrong.model_copy(update={"smtp_password": "geheim-wachtwoord"})
        assert sender.send_due(database=db, settings=right) == 1
        assert len(server.messages()) == 1
    finally:
        server.stop()


@pytest.mark.postgres_only
def test_two_sender_processes_send_each_notification_exactly_once(db, clock, smtp):
    if db.dialect != "postgresql":
        pytest.skip("row-lock claiming is a PostgreSQL feature; SQLite runs a single sender")
    n = 40
    with db.session() as s:
        users = [staff(s, f"medewerker{i}", "meldpunt") for i in range(8)]
        digest = staff(s, "overzicht", "meldpunt")
        service.set_preference(session=s, user=digest, mode="dagelijks")
        for i in range(n):
            service.enqueue(s, user_id=users[i % len(users)].id, kind="nieuwe_taak", link="/werkvoorraad")
            service.enqueue(s, user_id=digest.id, kind="nieuwe_taak", link="/werkvoorraad")
    moment = clock.advance(timedelta(days=1))
    procs = [_worker(db, smtp, moment) for _ in range(2)]
    results = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [r[1][-2000:] for r in results]
    assert sum(int(out.strip().splitlines()[-1]) for out, _ in results) == n + 1
    mails = smtp.messages()
    assert len(mails) == n + 1 and len({m.message_id for m in mails}) == n + 1
    assert sum(1 for m in mails if m.rcpt == ["overzicht@voorbeeld.nl"]) == 1
    with db.session() as s:
        assert set(s.scalars(select(Notification.state))) == {"sent"}


@pytest.mark.real_date
def test_the_sender_runs_inside_the_server_when_an_smtp_host_is_set(db, clock, smtp, monkeypatch):
    """``MELDPUNT_MAIL_IN_SERVER=true`` (what ``make run`` sets) with an SMTP host: the server process sends the
    outbox itself, also what arrives while it runs; without a host no sender thread starts."""
    import os
    import threading
    import time

    from fastapi.testclient import TestClient

    if os.environ.get("FAKETIME"):  # `make test-on`: libfaketime moves CLOCK_MONOTONIC, which Event.wait's deadline uses
        pytest.skip("the sender's second round waits on the monotonic clock, which libfaketime moves; "
                    "this test runs on the machine's real date in `make test-pg` (.ci/run)")

    from api.app import create_app
    from engine.config import get_settings

    def sent_after(count: int) -> list:
        for _ in range(600):  # a bound against hanging, not a timing assertion
            if len(smtp.messages()) >= count:
                break
            time.sleep(0.05)
        return smtp.messages()

    with db.session() as s:
        desk = staff(s, "desk", "meldpunt")
        service.enqueue(s, user_id=desk.id, kind="nieuwe_taak", link="/werkvoorraad")
    monkeypatch.setenv("MELDPUNT_MAIL_IN_SERVER", "true")
    get_settings.cache_clear()
    try:
        with TestClient(create_app()):  # no SMTP host: nothing sends, the mail waits in the outbox
            assert "meldpunt-mail" not in {t.name for t in threading.enumerate()}
        for name, value in (("SMTP_HOST", "127.0.0.1"), ("SMTP_PORT", str(smtp.port)), ("SMTP_STARTTLS", "false"),
                            ("MAIL_SENDER", SENDER), ("BASE_URL", BASE_URL), ("MAIL_POLL_SECONDS", "0.05")):
            monkeypatch.setenv(f"MELDPUNT_{name}", value)
        get_settings.cache_clear()
        with TestClient(create_app()):
            first = sent_after(1)
            with db.session() as s:
                service.enqueue(s, user_id=desk.id, kind="taak_toegewezen", link="/werkvoorraad")
            both = sent_after(2)
        assert "meldpunt-mail" not in {t.name for t in threading.enumerate()}  # stopped with the server
    finally:
        get_settings.cache_clear()
    assert len(first) >= 1 and len(both) == 2 and all(m.rcpt == ["desk@voorbeeld.nl"] for m in both)
    assert f"{BASE_URL}/werkvoorraad" in both[0].text
    with db.session() as s:
        assert list(s.scalars(select(Notification.state))) == ["sent", "sent"]


def test_a_new_pool_task_reads_its_holders_preferences_in_one_query(db, clock):
    """At the commit the pool's holders come without their roles and their preferences in one query (issue 25),
    each holder still getting what their preference says."""
    from sqlalchemy import event

    from engine.notifications.models import DIGEST, DIRECT

    with db.session() as s:
        processes.deploy(session=s)
        desks = [staff(s, f"balie{i}", "meldpunt") for i in range(5)]
        service.set_preference(session=s, user=desks[0], mode="uit")
        service.set_preference(session=s, user=desks[1], mode="dagelijks")
        ids = [u.id for u in desks]
    seen: list[str] = []

    def record(conn, cursor, statement, *rest):
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with db.session() as s:
            intake.submit_report(session=s, actor=None, data=REPORT)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len([q for q in seen if q.startswith("SELECT") and "FROM notification_preferences" in q]) == 1, seen
    assert not [q for q in seen if q.startswith("SELECT user_roles")], seen
    with db.session() as s:
        rows = {(r.user_id, r.delivery) for r in s.scalars(select(Notification))}
    assert rows == {(ids[1], DIGEST)} | {(i, DIRECT) for i in ids[2:]}


def test_a_team_bound_pool_task_is_announced_only_to_the_holders_in_the_cases_unit(db, clock):
    """A manager's risk inventory task is in the pool of the managers of that team only (access.in_own_team); the
    mail that a task is waiting goes to them, not to every holder of the role in the organisation."""
    from engine.register import service as register

    with db.session() as s:
        processes.deploy(session=s)
        desk = staff(s, "balie", "meldpunt")
        own = staff(s, "teamleider_rotterdam", "leidinggevende", unit="Douane Rotterdam")
        other = staff(s, "teamleider_schiphol", "leidinggevende", unit="Douane Schiphol")
        nowhere = staff(s, "teamleider_zonder_eenheid", "leidinggevende", unit=None)
        ids = {"own": own.id, "other": other.id, "nowhere": nowhere.id}
        inventory = register.start_on_request(session=s, actor=desk, process="risicoinventarisatie",
                                              team="Douane Rotterdam", reason="reorganisatie")
        [task] = [i for i in worklist.items_of_case(session=s, case_id=inventory.id) if i.state == "open"]
        assert task.role == "leidinggevende" and task.assignee_id is None
    with db.session() as s:
        told = set(s.scalars(select(Notification.user_id).where(Notification.kind == "nieuwe_taak")))
    assert told == {ids["own"]}, told
