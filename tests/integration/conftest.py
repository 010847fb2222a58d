"""Shared integration fixtures: the 4-tool bank on the embedded model, learned once per session.

Training is most of the cost of the integration tests (~2-4 min on 2 CPU cores), so every module
that needs a learned bank uses this one: ``test_core_acceptance`` (the engine's numbers) and
``test_langchain_real`` (the LangChain integration on the same bank).
"""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def train_config():
    """The hyper-parameters the acceptance numbers were measured with (on the embedded model with
    its shipped default adapter): the library's defaults."""
    from tokmem_agents import TrainConfig

    return TrainConfig()


@pytest.fixture(scope="session")
def four_tool_bank(tmp_path_factory, train_config):
    """``(tm, stats)``: get_weather, send_email, set_timer and translate_text learned from <= 20
    examples each plus the two-call examples of ``compose.jsonl``, saved in a temporary bank."""
    from tokmem_agents import TokMem, load_jsonl, load_specs

    specs = load_specs([DATA / "four_tools.json"])
    assert all(len(s.examples) <= 20 for s in specs)
    tm = TokMem.open(tmp_path_factory.mktemp("bank") / "bank")
    stats = tm.learn(specs, load_jsonl(DATA / "compose.jsonl"), train_config)
    return tm, stats
