"""The packages the tests run with are the ones constraints.txt pins (``make install`` installs with it).

A dependency added to pyproject.toml without ``make lock`` would be installed at whatever the registry holds that
day, and a release could then turn CI red between two identical commits: this test fails first."""
from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not name==version"
            pins[_key(name)] = version
    return pins


def test_every_pinned_package_is_installed_at_its_pin():
    """What ``make install`` installed is what constraints.txt says (a developer's own extra tools are not asked
    about)."""
    installed = {_key(d.metadata["Name"]): d.version for d in metadata.distributions()}
    other = {name: (pin, installed[name]) for name, pin in _pins().items() if installed.get(name, pin) != pin}
    assert not other, f"installed at another version than constraints.txt pins (pin, installed): {other}"


def test_every_dependency_of_pyproject_is_pinned():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    names = {_key(m.group(1)) for m in re.finditer(r'^\s*"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?[<>=!~ ]', text, re.M)}
    missing = sorted(names - set(_pins()))
    assert not missing, f"in pyproject.toml but not in constraints.txt (run `make lock`): {missing}"
    installed = {_key(d.metadata["Name"]) for d in metadata.distributions()}
    assert names <= installed, f"not installed (run `make install`): {sorted(names - installed)}"
