"""Random passwords from the operating system's cryptographic generator."""

from __future__ import annotations

import secrets
import string
from typing import Any

from tokmem_agents.errors import ProcedureError
from tokmem_agents.registry import ProcedureRegistry

procedures = ProcedureRegistry()

SYMBOLS = "!@#$%^&*-_=+?"


@procedures.register("generate_password")
def generate_password(length: int, symbols: bool = True) -> dict[str, Any]:
    """A random password of ``length`` characters with letters and digits (and symbols unless disabled)."""
    if not 4 <= length <= 128:
        raise ProcedureError(f"length must be between 4 and 128, got {length}")
    classes = [string.ascii_lowercase, string.ascii_uppercase, string.digits] + ([SYMBOLS] if symbols else [])
    alphabet = "".join(classes)
    while True:  # retry until every character class appears (a handful of tries at most)
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if all(any(c in cls for c in password) for cls in classes):
            return {"password": password, "length": length, "symbols": symbols}
