"""Bulk seeding of cases, work items, parties and timers straight into the tables.

Rows go in with PostgreSQL ``COPY`` or SQLite ``executemany`` (no ORM, no
SpiffWorkflow): what matters for measurements 3 and 4 is the shape of the tables
the queries read. Seeded cases carry no workflow state (``state`` NULL).

Shape (deterministic per seed):
* ~7 % of cases open (created in the last year), the rest closed (last five years);
* closed case: 4 completed work items; open case: 2 completed + 1 open item;
* open items: role mix weighted towards onderzoeker/coördinator, ~55 % assigned to
  a staff member holding the role, ~85 % with a due date from 10 days ago to 40
  days ahead (so ~20 % overdue), priority 0–5;
* ~30 % of cases name a melder and a betrokkene (non-staff users) as parties;
  the benchmark user is leidinggevende in a handful of cases (the NOT EXISTS filter
  of the worklist queries then has something to exclude).
"""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from engine import clock

ROLE_WEIGHTS = {
    "onderzoeker": 35, "integriteitscoordinator": 25, "meldpunt": 15, "bevoegd_gezag": 8,
    "hr_adviseur": 7, "jurist": 5, "vertrouwenspersoon": 3, "bureau_vi": 2,
}
STAFF_PER_ROLE = {
    "onderzoeker": 40, "integriteitscoordinator": 10, "meldpunt": 20, "bevoegd_gezag": 15,
    "hr_adviseur": 15, "jurist": 10, "vertrouwenspersoon": 10, "bureau_vi": 10,
}
UNITS = [f"Dienstonderdeel {i:02d}" for i in range(1, 26)]
CATEGORIES = ["belangenverstrengeling", "lekken", "misbruik_bevoegdheid", "ongewenste_omgangsvormen",
              "fraude", "nevenwerkzaamheden", "misbruik_middelen", "geschenken", "discriminatie", "overig"]
CATEGORY_WEIGHTS = [20, 15, 12, 12, 10, 8, 8, 6, 5, 4]
ELEMENTS = ["melding_registreren", "ontvangst_bevestigen", "beoordelen", "opdracht_verlenen",
            "feitenonderzoek", "advies", "besluit", "terugkoppeling"]
OPEN_FRACTION = 0.07
PERSONS = 5000


@dataclass
class SeedInfo:
    staff: dict[str, list[int]]  # role -> user ids
    bench_user_id: int  # coordinator + onderzoeker: the user the worklist queries are run for
    cases: int = 0
    work_items: int = 0
    open_items: int = 0


def _fmt_sqlite(v):
    if isinstance(v, datetime):
        return v.astimezone(timezone.utc).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, bool):
        return int(v)
    return v


def _copy(database, table: str, columns: list[str], rows) -> int:
    n = 0
    if database.dialect == "postgresql":
        raw = database.engine.raw_connection()
        try:
            cur = raw.cursor()
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
            raw.commit()
        finally:
            raw.close()
        return n
    raw = database.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("BEGIN")
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        batch = []
        for row in rows:
            batch.append(tuple(_fmt_sqlite(v) for v in row))
            n += 1
            if len(batch) >= 20000:
                cur.executemany(sql, batch)
                batch.clear()
        if batch:
            cur.executemany(sql, batch)
        cur.execute("COMMIT")
    finally:
        raw.close()
    return n


def _max_id(database, table: str) -> int:
    with database.engine.connect() as conn:
        return conn.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar()


def _fix_sequences(database, tables: list[str]) -> None:
    if database.dialect != "postgresql":
        return
    with database.engine.begin() as conn:
        for t in tables:
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), "
                              f"(SELECT COALESCE(MAX(id), 1) FROM {t}))"))


def analyze(database) -> None:
    if database.dialect == "postgresql":
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with database.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


def seed_people(database) -> SeedInfo:
    """Staff with roles, non-staff persons (case parties), and the benchmark user."""
    now = clock.now()
    start = _max_id(database, "users") + 1
    users, roles, staff = [], [], {r: [] for r in ROLE_WEIGHTS}
    uid = start
    for role, count in STAFF_PER_ROLE.items():
        for i in range(count):
            users.append((uid, f"seed_{role}_{i}", f"{role} {i}", UNITS[i % len(UNITS)], None, True, None, None, now))
            roles.append((uid, role))
            staff[role].append(uid)
            uid += 1
    bench_user = uid
    users.append((uid, "seed_bench_user", "Benchmark gebruiker", UNITS[0], None, True, None, None, now))
    roles += [(uid, "integriteitscoordinator"), (uid, "onderzoeker")]
    staff["integriteitscoordinator"].append(uid)
    staff["onderzoeker"].append(uid)
    uid += 1
    for i in range(PERSONS):
        users.append((uid, f"seed_person_{i}", f"Persoon {i}", UNITS[i % len(UNITS)], None, True, None, None, now))
        uid += 1
    cols = ["id", "username", "display_name", "unit", "email", "active", "manager_id", "password_hash", "created_at"]
    _copy(database, "users", cols, iter(users))
    _copy(database, "user_roles", ["user_id", "role"], iter(roles))
    _fix_sequences(database, ["users"])
    info = SeedInfo(staff=staff, bench_user_id=bench_user)
    info.persons = (bench_user + 1, bench_user + PERSONS)  # type: ignore[attr-defined]
    return info


def seed_cases(database, info: SeedInfo, n: int, *, version_id: int | None, rng_seed: int = 7) -> SeedInfo:
    """Add ``n`` cases (with work items and parties) to what is there."""
    rng = random.Random(rng_seed + info.cases)
    now = clock.now()
    case0, item0 = _max_id(database, "cases") + 1, _max_id(database, "work_items") + 1
    party0 = _max_id(database, "case_parties") + 1
    roles, weights = list(ROLE_WEIGHTS), list(ROLE_WEIGHTS.values())
    lo, hi = info.persons  # type: ignore[attr-defined]
    case_rows, item_rows, party_rows = [], [], []
    counters = {"items": 0, "open": 0}

    def items_for(cid: int, created: datetime, is_open: bool):
        done = 2 if is_open else 4
        t = created
        for k in range(done):
            role = rng.choices(roles, weights)[0]
            who = rng.choice(info.staff[role])
            t = t + timedelta(days=rng.uniform(1, 20))
            yield (role, who, "completed", None, t, ELEMENTS[k])
        if is_open:
            role = rng.choices(roles, weights)[0]
            who = rng.choice(info.staff[role]) if rng.random() < 0.55 else None
            due = now + timedelta(days=rng.uniform(-10, 40)) if rng.random() < 0.85 else None
            yield (role, who, "open", due, None, ELEMENTS[done])

    def rows():
        nonlocal party0
        item_id = item0
        for i in range(n):
            cid = case0 + i
            is_open = rng.random() < OPEN_FRACTION
            age = rng.uniform(0, 365) if is_open else rng.uniform(30, 5 * 365)
            created = now - timedelta(days=age)
            closed = None if is_open else min(now, created + timedelta(days=rng.uniform(20, 200)))
            unit = UNITS[min(int(rng.paretovariate(1.2)) - 1, len(UNITS) - 1)] if rng.random() < 0.5 else rng.choice(UNITS)
            cat = rng.choices(CATEGORIES, CATEGORY_WEIGHTS)[0]
            case_rows.append((cid, f"MP-{created.year}-{cid:07d}", version_id, "open" if is_open else "closed", unit,
                              cat, rng.randint(0, 3), 1, None, "{}", False, "bench", created, closed or created,
                              closed))
            for role, who, state, due, done_at, element in items_for(cid, created, is_open):
                item_rows.append((item_id, cid, str(uuid.UUID(int=rng.getrandbits(128))), element,
                                  element.replace("_", " ").capitalize(), role, role, f"forms/{element}.json",
                                  state, who, due, rng.randint(0, 5), created, done_at,
                                  who if state == "completed" else None))
                item_id += 1
                counters["items"] += 1
                counters["open"] += state == "open"
            if rng.random() < 0.30:
                party_rows.append((party0, cid, "melder", rng.randint(lo, hi)))
                party_rows.append((party0 + 1, cid, "betrokkene", rng.randint(lo, hi)))
                party0 += 2
            if i % 5000 == 17:
                party_rows.append((party0, cid, "leidinggevende", info.bench_user_id))
                party0 += 1
            if len(case_rows) >= 50000:
                yield

    case_cols = ["id", "reference", "process_version_id", "status", "unit", "category", "priority", "version",
                 "state", "summary", "imported", "created_by", "created_at", "updated_at", "closed_at"]
    item_cols = ["id", "case_id", "task_id", "element_id", "name", "role", "slot", "form", "state", "assignee_id",
                 "due_at", "priority", "created_at", "completed_at", "completed_by_id"]
    party_cols = ["id", "case_id", "party", "user_id"]

    def flush():
        _copy(database, "cases", case_cols, iter(case_rows))
        _copy(database, "work_items", item_cols, iter(item_rows))
        _copy(database, "case_parties", party_cols, iter(party_rows))
        case_rows.clear(), item_rows.clear(), party_rows.clear()

    for _ in rows():
        flush()
    flush()
    _fix_sequences(database, ["cases", "work_items", "case_parties"])
    info.cases += n
    info.work_items += counters["items"]
    info.open_items += counters["open"]
    return info


def seed_timers(database, n: int, *, fire_from_days: float = 100, fire_to_days: float = 465,
                rng_seed: int = 11) -> int:
    """``n`` pending timers on existing cases, all due far in the future."""
    rng = random.Random(rng_seed)
    now = clock.now()
    t0 = _max_id(database, "timers") + 1
    with database.engine.connect() as conn:
        lo, hi = conn.execute(text("SELECT MIN(id), MAX(id) FROM cases")).one()

    def rows():
        for i in range(n):
            yield (t0 + i, rng.randint(lo, hi), str(uuid.UUID(int=rng.getrandbits(128))), "bench_timer",
                   "Benchmarktermijn", "duration", None,
                   now + timedelta(days=rng.uniform(fire_from_days, fire_to_days)), "pending", now, None, 0, None)

    cols = ["id", "case_id", "task_id", "element_id", "name", "kind", "attached_to", "fire_at", "state",
            "created_at", "fired_at", "fire_count", "last_error"]
    done = _copy(database, "timers", cols, rows())
    _fix_sequences(database, ["timers"])
    return done
