"""Test-data factories. Each test states its own set-up with these."""
from __future__ import annotations

from pathlib import Path

from engine.identity.models import User, UserRole

REVIEW = Path(__file__).parent / "engine" / "process_sets" / "review"


def make_user(session, username: str, *roles: str, unit: str | None = "Douane", manager: User | None = None) -> User:
    user = User(username=username, display_name=username.title(), unit=unit,
                manager_id=manager.id if manager else None)
    user.roles = [UserRole(role=r) for r in roles]
    session.add(user)
    session.flush()
    return user


def review_team(session) -> dict[str, User]:
    """Users for the review test process: desk, coordinator, three investigators."""
    return {
        "desk": make_user(session, "desk", "meldpunt"),
        "coord": make_user(session, "coord", "integriteitscoordinator"),
        "o1": make_user(session, "onderzoeker1", "onderzoeker"),
        "o2": make_user(session, "onderzoeker2", "onderzoeker"),
        "o3": make_user(session, "onderzoeker3", "onderzoeker"),
    }


def copy_process_set(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst
