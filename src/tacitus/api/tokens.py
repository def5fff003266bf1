"""API access tokens: takes a connection to a migrated store, gives new tokens and checks presented ones.

A token reads `tct_<id>_<secret>`: the id finds its row in `api_tokens`, the secret is checked
against a salted SHA-256 kept there. The whole token is printed once, by `create_token`, and
never stored. Roles: "reader" (may read when the server asks for a token to read) and "writer"
(may also add documents; a writer can read).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

import duckdb

from tacitus.errors import InputError
from tacitus.store.db import _utcnow

ROLES = ("reader", "writer")
PREFIX = "tct"
_TOKEN = re.compile(rf"^{PREFIX}_(?P<id>[0-9a-f]{{12}})_(?P<secret>[A-Za-z0-9_-]{{43}})$")


@dataclass(frozen=True)
class TokenInfo:
    id: str
    role: str
    label: str | None
    created_at: datetime.datetime
    revoked_at: datetime.datetime | None = None

    def allows(self, role: str) -> bool:
        """Whether this token may do what `role` may: a writer may also read."""
        return self.revoked_at is None and (self.role == role or self.role == "writer")


def create_token(con: duckdb.DuckDBPyConnection, role: str, label: str | None = None) -> tuple[TokenInfo, str]:
    """Store a new token of `role`; give its record and the token itself (shown to the user once)."""
    if role not in ROLES:
        raise InputError("role", f"must be one of {', '.join(ROLES)}, not {role!r}")
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_bytes(16)
    now = _utcnow()
    con.execute(
        "INSERT INTO api_tokens (id, role, salt, hash, label, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        [token_id, role, salt.hex(), _digest(salt, secret), label, now],
    )
    return TokenInfo(token_id, role, label, now), f"{PREFIX}_{token_id}_{secret}"


def verify_token(con: duckdb.DuckDBPyConnection, token: str) -> TokenInfo | None:
    """The record of a valid, unrevoked token; None for anything else."""
    match = _TOKEN.match(token.strip())
    if not match:
        return None
    row = con.execute(
        "SELECT id, role, label, created_at, revoked_at, salt, hash FROM api_tokens WHERE id = ?", [match["id"]]
    ).fetchone()
    if row is None or row[4] is not None:
        return None
    expected = _digest(bytes.fromhex(row[5]), match["secret"])
    if not hmac.compare_digest(expected, row[6]):
        return None
    return TokenInfo(row[0], row[1], row[2], row[3], row[4])


def list_tokens(con: duckdb.DuckDBPyConnection) -> list[TokenInfo]:
    rows = con.execute(
        "SELECT id, role, label, created_at, revoked_at FROM api_tokens ORDER BY created_at, id"
    ).fetchall()
    return [TokenInfo(*row) for row in rows]


def revoke_token(con: duckdb.DuckDBPyConnection, token_id: str) -> bool:
    """Revoke a token by its id (or by the whole token); False when no active token has it."""
    match = _TOKEN.match(token_id.strip())
    key = match["id"] if match else token_id.strip()
    now = _utcnow()
    row = con.execute(
        "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING id", [now, key]
    ).fetchone()
    return row is not None


def active_roles(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The roles that have at least one unrevoked token."""
    return {role for (role,) in con.execute(
        "SELECT DISTINCT role FROM api_tokens WHERE revoked_at IS NULL").fetchall()}


def _digest(salt: bytes, secret: str) -> str:
    return hashlib.sha256(salt + secret.encode("utf-8")).hexdigest()
