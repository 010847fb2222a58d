"""A local contacts store (SQLite in the sandbox directory)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any

from tokmem_agents.errors import ProcedureError
from tokmem_agents.registry import ProcedureRegistry

from .sandbox import connect_store

procedures = ProcedureRegistry()

STORE = ".contacts.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS contacts (
    name TEXT PRIMARY KEY COLLATE NOCASE, phone TEXT, email TEXT);
"""


def _open() -> sqlite3.Connection:
    conn = connect_store(STORE)
    conn.executescript(_SCHEMA)
    return conn


@procedures.register("save_contact", mutates=True)
def save_contact(name: str, phone: str | None = None, email: str | None = None) -> dict[str, Any]:
    """Create a contact, or update the phone/email of an existing one (names match case-insensitively)."""
    if not name.strip():
        raise ProcedureError("name: a contact needs a name")
    if phone is None and email is None:
        raise ProcedureError("give a phone number or an email address to save")
    with closing(_open()) as conn, conn:
        row = conn.execute("SELECT name, phone, email FROM contacts WHERE name = ?", (name,)).fetchone()
        if row is None:
            conn.execute("INSERT INTO contacts (name, phone, email) VALUES (?, ?, ?)", (name, phone, email))
            action = "created"
        else:
            phone = phone if phone is not None else row["phone"]
            email = email if email is not None else row["email"]
            conn.execute("UPDATE contacts SET phone = ?, email = ? WHERE name = ?", (phone, email, name))
            action = "updated"
    return {"action": action, "contact": {"name": name, "phone": phone, "email": email}}


@procedures.register("find_contact")
def find_contact(name: str) -> dict[str, Any]:
    """Contacts whose name contains ``name`` (case-insensitive)."""
    pattern = "%" + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with closing(_open()) as conn:
        rows = conn.execute(
            "SELECT name, phone, email FROM contacts WHERE name LIKE ? ESCAPE '\\' ORDER BY name LIMIT 20",
            (pattern,),
        ).fetchall()
    if not rows:
        raise ProcedureError(f"no contact matches {name!r}")
    return {"contacts": [dict(r) for r in rows]}
