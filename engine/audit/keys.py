"""The audit key ring: HMAC-SHA256 keys for the audit chain and its checkpoints (issue 14).

Keys come from ``MELDPUNT_AUDIT_KEYS``: comma-separated, **newest first**, each the base64 of
32 random bytes (``meldpunt keys generate`` makes one). They are separate from the encryption keys
and live outside the database, so someone who can write to the database cannot recompute a chain.
New events and checkpoints are signed with the newest key; older keys stay in the ring for as long
as events or checkpoints signed with them must verify (they are never re-signed: that would erase
the evidence). Each signature names its key by id (8 hex of SHA-256 of the key), like the
encryption key ring (engine.crypto).

Without a key the audit chain falls back to the unkeyed SHA-256 scheme of before (a development
set-up); ``meldpunt audit verify`` says so, and ``meldpunt audit checkpoint`` refuses.
"""
from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import cached_property

from engine.crypto import InvalidKey, _decode_key, key_id

ENV_VAR = "MELDPUNT_AUDIT_KEYS"


class AuditKeyMissing(Exception):
    def __init__(self, kid: str | None = None) -> None:
        if kid is None:
            super().__init__(f"Geen auditsleutel ingesteld: zet {ENV_VAR} (maak er een met 'meldpunt keys generate').")
        else:
            super().__init__(f"Auditsleutel {kid} staat niet (meer) in {ENV_VAR}.")
        self.kid = kid


@dataclass(frozen=True)
class AuditKeys:
    """Keys newest first; signs with ``keys[0]``, verifies with the key a signature names."""

    keys: tuple[bytes, ...]

    @classmethod
    def from_string(cls, value: str) -> "AuditKeys":
        try:
            return cls(tuple(_decode_key(p) for p in (value or "").split(",") if p.strip()))
        except InvalidKey:
            raise InvalidKey(f"Een sleutel in {ENV_VAR} is geen base64 van 32 bytes.") from None

    @property
    def primary_id(self) -> str | None:
        return key_id(self.keys[0]) if self.keys else None

    @cached_property
    def _by_id(self) -> dict[str, bytes]:
        return {key_id(k): k for k in reversed(self.keys)}  # newest wins a (theoretical) clash

    def has(self, kid: str) -> bool:
        return kid in self._by_id

    def mac(self, kid: str, data: bytes) -> str:
        key = self._by_id.get(kid)
        if key is None:
            raise AuditKeyMissing(kid)
        return hmac.new(key, data, hashlib.sha256).hexdigest()


_cache: dict[str, AuditKeys] = {}


def audit_keys() -> AuditKeys:
    """The ring from ``MELDPUNT_AUDIT_KEYS`` (or the settings), re-read when the value changes."""
    value = os.environ.get(ENV_VAR)
    if value is None:
        from engine.config import get_settings

        value = get_settings().audit_keys
    ring = _cache.get(value)
    if ring is None:
        ring = _cache[value] = AuditKeys.from_string(value)
    return ring
