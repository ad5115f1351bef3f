"""PLACEHOLDER until the validation branch lands (same interface)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Manifest:
    main_process: str
    roles: dict
    separation_of_duties: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)

    def role_for_lane(self, lane: str | None) -> str | None:
        if lane is None:
            return None
        if lane in self.roles:
            return lane
        for code, name in self.roles.items():
            if name == lane:
                return code
        return None

    @property
    def exclusive_slots(self) -> frozenset[str]:
        return frozenset(self.separation_of_duties.get("exclusive_slots", []))

    @property
    def uninvolved_slots(self) -> frozenset[str]:
        return frozenset(self.separation_of_duties.get("uninvolved_slots", []))


def load_manifest(raw: bytes) -> Manifest:
    d = json.loads(raw)
    return Manifest(d["main_process"], d["roles"], d.get("separation_of_duties", {}), d.get("settings", {}))
