"""Every query the README shows gives the exact call a reader expects (issue 20): on the shipped
catalog bank, or, for the Python API's weather example (a bank the reader learned), on the 4-tool
integration bank that holds ``get_weather``. The expected calls are written from what each query
means, not from what a bank answers; a README query missing from them fails the first test, so the
README cannot show a query nobody checks. A query a bank still gets wrong is a strict xfail pinned to
its known wrong answer (a *different* wrong answer fails the suite, and so does a right one: then move
it to the passing list)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
Calls = list[dict[str, Any]]

# what a reader of each README line expects
ON_SHIPPED: dict[str, Calls] = {
    "convert 3 miles to km": [{"name": "convert_units", "arguments": {"value": 3, "from_unit": "mi", "to_unit": "km"}}],
    "Figure out 64 * 25 for me": [{"name": "calculate", "arguments": {"expression": "64 * 25"}}],
}
ON_LEARNED: dict[str, Calls] = {  # README's Python API learns weather.json first
    "what's the weather in Paris?": [{"name": "get_weather", "arguments": {"city": "Paris"}}],
}
# "convert 3 miles to km" gave from_unit "m" on the banks of adapter db8004c8; right since 108713d5
KNOWN_WRONG: dict[str, tuple[Calls, str]] = {}
_QUERY_FORMS = (
    r'tokmem-agent(?: --?[\w-]+(?: \S+)?)* call "((?:[^"\\]|\\.)+)"',  # shell examples, global options allowed
    r'\.(?:invoke|call)\(\s*"((?:[^"\\]|\\.)+)"',  # LangChain, TokMem.call
    r'(?:decode|call_batch)\(\s*\[([^\]]*)\]',  # lists of queries (each string read below)
    r'\(\s*"user",\s*"((?:[^"\\]|\\.)+)"\s*\)',  # LangGraph messages
)
PLACEHOLDER = "..."


def readme_queries() -> list[str]:
    """The example queries in the README's code blocks, in order of first appearance."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    code = "\n".join(re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.DOTALL))
    found: list[tuple[int, str]] = []
    for form in _QUERY_FORMS:
        for m in re.finditer(form, code):
            inner = m.group(1)
            parts = re.findall(r'"((?:[^"\\]|\\.)+)"', inner) if form.startswith("(?:decode") else [inner]
            found.extend((m.start(), p) for p in parts if p != PLACEHOLDER)
    return list(dict.fromkeys(q for _, q in sorted(found)))


def test_every_readme_query_has_an_expected_call() -> None:
    queries = readme_queries()
    assert {"convert 3 miles to km", "what's the weather in Paris?", "Figure out 64 * 25 for me"} <= set(queries)
    assert [q for q in queries if q not in ON_SHIPPED and q not in ON_LEARNED] == []
    assert set(KNOWN_WRONG) <= set(ON_SHIPPED) | set(ON_LEARNED)
    assert all(wrong != {**ON_SHIPPED, **ON_LEARNED}[q] for q, (wrong, _) in KNOWN_WRONG.items())


@pytest.fixture(scope="module")
def shipped_calls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Calls]:
    """Each shipped-bank query's calls (a fresh TOKMEM_HOME: the shipped catalog bank stands in)."""
    from tokmem_agents import TokMem

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TOKMEM_HOME", str(tmp_path_factory.mktemp("home")))
        queries = list(ON_SHIPPED)
        results = TokMem.open().call_batch(queries)
    return {q: [c.to_json() for c in r.calls] for q, r in zip(queries, results)}


def _check(query: str, got: Calls, expected: Calls) -> None:
    if query in KNOWN_WRONG:
        wrong, reason = KNOWN_WRONG[query]
        assert got != expected, f"{query!r} is right now: drop it from KNOWN_WRONG"
        assert got == wrong, f"{query!r} is wrong in a new way: {got}"
        pytest.xfail(reason)
    assert got == expected


@pytest.mark.integration
@pytest.mark.parametrize("query", list(ON_SHIPPED))
def test_readme_query_on_the_shipped_bank(query: str, shipped_calls: dict[str, Calls]) -> None:
    _check(query, shipped_calls[query], ON_SHIPPED[query])


@pytest.mark.integration
@pytest.mark.parametrize("query", list(ON_LEARNED))
def test_readme_query_on_a_learned_bank(query: str, four_tool_bank: Any) -> None:
    tm, _ = four_tool_bank
    _check(query, [c.to_json() for c in tm.call(query).calls], ON_LEARNED[query])
