"""Currency conversion from the static rate table shipped in ``procedures/data/rates.json``."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from tokmem_agents.errors import ProcedureError
from tokmem_agents.registry import ProcedureRegistry

procedures = ProcedureRegistry()


@functools.lru_cache(maxsize=1)
def rate_table() -> dict[str, Any]:
    """The shipped table: ``{"date", "base", "rates": {code: units per 1 base}}``."""
    text = resources.files("procedures").joinpath("data/rates.json").read_text(encoding="utf-8")
    table = json.loads(text)
    if table.get("format_version") != 1 or not isinstance(table.get("rates"), dict):
        raise ProcedureError("procedures/data/rates.json: unsupported format (expected format_version 1)")
    return table


@procedures.register("convert_currency")
def convert_currency(amount: float, from_currency: str, to_currency: str) -> dict[str, Any]:
    """Convert ``amount`` between currencies with the shipped (static, dated) rate table."""
    table = rate_table()
    rates = table["rates"]
    for code in (from_currency, to_currency):
        if code not in rates:
            raise ProcedureError(f"no rate for {code!r}; the table has {', '.join(sorted(rates))}")
    rate = rates[to_currency] / rates[from_currency]
    return {
        "amount": round(amount * rate, 2),
        "currency": to_currency,
        "rate": round(rate, 6),
        "rates_date": table["date"],
    }
