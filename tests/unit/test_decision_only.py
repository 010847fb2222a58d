"""Requests made from a tool's spec (issue 20, lever 3): what they say, how they encode, what they teach."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from tokmem_agents.bank.memory import MemoryBank
from tokmem_agents.bank.specs import parse_spec
from tokmem_agents.config import TrainConfig
from tokmem_agents.model.lm import MemoryLM
from tokmem_agents.bank.records import Example, ToolCall
from tokmem_agents.training.encoding import encode_decision, encode_example, target_positions
from tokmem_agents.training.loss import batch_loss
from tokmem_agents.training.decision_only import first_clause, perturbed, perturbed_queries, spec_queries
from tokmem_agents.training.trainer import learn


def _spec(description: str, name: str = "join_waitlist", examples: tuple[str, ...] = ("Waitlist us at Nonna Rosa", "Waitlist us at Sakura")) -> Any:
    return parse_spec(
        {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": {"place": {"type": "string"}}, "required": ["place"]},
            "examples": [{"query": q, "arguments": {"place": q.rsplit(" ", 1)[-1]}} for q in examples],
        }
    )


def test_requests_say_the_first_clause_of_the_description_in_several_forms() -> None:
    spec = _spec("Put the user's party on a restaurant's waitlist (no booking (free)); returns the place in line.")
    got = spec_queries(spec, 8)
    assert got[:4] == [
        "Put my party on a restaurant's waitlist",
        "Can you put my party on a restaurant's waitlist?",
        "Please put my party on a restaurant's waitlist.",
        "I'd like to put my party on a restaurant's waitlist",
    ]
    assert "join waitlist" in got and len(got) == len(set(got)) == 8
    assert spec_queries(spec, 2) == got[:2] and spec_queries(spec, 0) == [] and len(spec_queries(spec, 50)) == 8


@pytest.mark.parametrize(
    ("description", "clause"),
    [
        ("Send an e-mail to Mr. Smith's office. Needs an address.", "Send an e-mail to Mr. Smith's office"),
        ("Convert between U.S. Dollars and Euros. Rates are fixed.", "Convert between U.S. Dollars and Euros"),
        ("Get the weather for a city, e.g. Paris or Rome.", "Get the weather for a city"),
        ("Weather: get the forecast for a city", "get the forecast for a city"),
        ("Look up a city's weather: returns JSON", "Look up a city's weather"),
        ("Get weather\nReturns JSON", "Get weather"),
        ("Query the DB;returns rows", "Query the DB"),
        ("Evaluate an expression with + - * / ^ (or **). Copy it exactly", "Evaluate an expression with + - * / ^"),
        ("Returns the forecast for a city.", "Return the forecast for a city"),
        ("Searches the notes for a word.", "Search the notes for a word"),
        ("Applies a discount code", "Apply a discount code"),
        ("Process the queue", "Process the queue"),
        ("Fetch the user\u2019s calendar!", "Fetch my calendar"),
    ],
)
def test_the_first_clause_of_a_description(description: str, clause: str) -> None:
    assert first_clause(description) == clause


def test_an_upper_case_start_keeps_its_case() -> None:
    assert spec_queries(_spec("HTTP GET a URL"), 2) == ["HTTP GET a URL", "Can you HTTP GET a URL?"]


def test_perturbed_wordings_are_new_distinct_deterministic_and_only_of_single_calls() -> None:
    one = Example("Reserve a table at The Copper Pot for 8 people at 6:45 pm", (ToolCall("book", {"place": "The Copper Pot"}),))
    two = Example("Book it and waitlist us", (ToolCall("book", {"place": "x"}), ToolCall("wait", {"place": "x"})))
    none = Example("hello there")
    got = perturbed_queries([one, two, none], 6, seed=3)
    assert got == perturbed_queries([one, two, none], 6, seed=3) and got != perturbed_queries([one, two, none], 6, seed=4)
    assert len(got) == 6 and {t for _, t in got} == {"book"}
    queries = [q.lower() for q, _ in got]
    assert len(set(queries)) == 6 and one.query.lower() not in queries
    words = set(one.query.lower().split())
    assert all(set(q.replace(",", "").replace("?", "").replace(".", "").split()) & words for q in queries)
    assert perturbed_queries([one], 0, seed=3) == []


def test_each_kind_of_perturbation_happens() -> None:
    import random

    rng = random.Random(0)
    q = "Reserve a table at The Copper Pot for 8 people at 6:45 pm"
    seen = [perturbed(q, rng) for _ in range(60)]
    assert any(s.startswith(("at ", "for ")) and ", reserve" in s for s in seen)  # a clause rotated to the front
    assert any(s == s.lower() and "," not in s and " a " not in f" {s} " for s in seen)  # terse
    assert any(s.endswith("?") for s in seen)  # a question
    assert any(len(s.split()) < len(q.split()) and s != s.lower() for s in seen)  # words dropped


def test_a_decision_only_example_is_the_prompt_and_one_memory_token(tiny_backbone: Any) -> None:
    enc = encode_decision(tiny_backbone, "Can you do it?", "b", {"a": 0, "b": 1})
    prompt = tiny_backbone.prompt_ids("Can you do it?")
    assert enc.ids == prompt + [tiny_backbone.base_vocab + 1] and enc.prompt_len == len(prompt) and enc.tools == ("b",)
    assert enc.decision_only and not enc.no_tool
    t = target_positions([enc])
    assert t.labels == [tiny_backbone.base_vocab + 1] and t.cols == [len(prompt) - 1] and t.decisions == [True] and not t.neg_rows


def test_a_decision_only_example_weighs_like_a_no_tool_one(tiny_backbone: Any) -> None:
    """Its single term counts ``no_tool_weight`` tokens against a call example's argument tokens."""
    lm = MemoryLM(tiny_backbone, torch.randn(2, tiny_backbone.model.get_input_embeddings().weight.shape[1]))
    pad = tiny_backbone.tokenizer.pad_token_id
    dec = encode_decision(tiny_backbone, "Can you do it?", "b", {"a": 0, "b": 1})
    call = encode_example(tiny_backbone, Example("do a", (ToolCall("a", {"place": "Rome"}),)), {"a": 0, "b": 1})
    with torch.no_grad():
        (d_loss,), (c_loss,) = batch_loss(lm, [dec], pad)[1].tolist(), batch_loss(lm, [call], pad)[1].tolist()
        n_call = len(call.ids) - call.prompt_len
        for w in (1.0, 8.0):
            got = batch_loss(lm, [dec, call], pad, no_tool_weight=w)[0].item()
            assert got == pytest.approx((w * d_loss + n_call * c_loss) / (w + n_call), rel=1e-4)


def _p(backbone: Any, bank: MemoryBank, query: str) -> torch.Tensor:
    lm = MemoryLM(backbone, bank.input_vectors, bank.output_vectors)
    with torch.no_grad():
        h, _ = lm.hidden(torch.tensor([backbone.prompt_ids(query)]))
        return lm.logits(h[0, -1]).float().softmax(-1)[backbone.base_vocab :]


def test_spec_queries_teach_each_row_its_own_description(tiny_backbone: Any) -> None:
    """Two tools whose examples never say their descriptions: with spec queries, a request worded like
    each description (a frame left out of training) routes to its own tool, more than without."""
    wait = _spec("Put the user's party on a restaurant's waitlist.")
    timer = _spec("Start a countdown for the kitchen oven.", "oven_timer", ("Oven timer 5", "Oven timer 12"))
    queries = {"join_waitlist": "Could you put my party on a restaurant's waitlist?", "oven_timer": "Could you start a countdown for the kitchen oven?"}
    base: dict[str, Any] = {"augment": 0, "negative_share": 0, "synthesize": 0, "epochs": 8, "lr": 5e-2, "batch_size": 4, "precision": "fp32"}
    right: dict[int, dict[str, float]] = {}
    for n in (0, 7):
        bank = MemoryBank(tiny_backbone.fingerprint)
        stats = learn(tiny_backbone, bank, [wait, timer], config=TrainConfig(spec_queries=n, **base))
        assert stats.examples == 4 and stats.decision_only == 2 * n
        right[n] = {}
        for tool, q in queries.items():
            p = _p(tiny_backbone, bank, q)
            k = bank.names.index(tool)
            right[n][tool] = float(p[k])
            if n:
                assert p[k] > p[1 - k], (tool, p.tolist())
    assert all(right[7][t] > right[0][t] for t in queries), right
