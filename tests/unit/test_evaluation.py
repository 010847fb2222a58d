"""The eval harness: TokMem as a method, the method registry, run_eval's report."""

from __future__ import annotations

from typing import Any, Sequence

import pytest

from tokmem_agents.config import DecodeConfig
from tokmem_agents.bank.records import Example, ToolCall
from tokmem_agents.decode.results import DecodeResult, InvalidCall
from tokmem_agents.errors import UserInputError
from tokmem_agents.evaluation.harness import run_eval
from tokmem_agents.evaluation.methods import METHODS, get_method
from tokmem_agents.evaluation.methods.tokmem import TokMemMethod, prediction_from_result
from tokmem_agents.evaluation.metrics import Prediction
from tokmem_agents.bank.specs import parse_spec

PING = parse_spec({
    "name": "ping",
    "parameters": {"type": "object", "properties": {"host": {"type": "string"}}, "required": ["host"]},
    "examples": [{"query": "ping example.com", "arguments": {"host": "example.com"}}],
})
EXAMPLES = [
    Example("ping a.org", (ToolCall("ping", {"host": "a.org"}),)),
    Example("ping b.org", (ToolCall("ping", {"host": "b.org"}),)),
    Example("hello", ()),
]


class Oracle:
    """A method answering the gold calls of known queries (and counting its batches)."""

    name = "oracle"
    trainable_parameters = 7

    def __init__(self, examples: Sequence[Example]) -> None:
        self.gold = {e.query: list(e.calls) for e in examples}
        self.batches: list[int] = []

    def predict(self, queries: Sequence[str]) -> list[Prediction]:
        self.batches.append(len(queries))
        return [Prediction(self.gold[q], prompt_tokens=10, seconds=0.5) for q in queries]


def test_prediction_keeps_parsed_calls_and_counts_unparsed_attempts() -> None:
    res = DecodeResult(
        query="q",
        calls=[ToolCall("ping", {"host": 1})],
        invalid=[
            InvalidCall(0, "ping", '{"host": 1}', ("host: 1 is not of type 'string'",), call_index=0),
            InvalidCall(1, "ping", '{"host": ', ("not JSON",)),
        ],
        prompt_tokens=12,
        seconds=0.25,
    )
    pred = prediction_from_result(res)
    assert pred.calls == [ToolCall("ping", {"host": 1})]
    assert pred.invalid == ['{"host": ']
    assert (pred.prompt_tokens, pred.seconds) == (12, 0.25)
    assert pred.truncated == 0


def test_prediction_counts_calls_truncated_at_the_budget() -> None:
    res = DecodeResult(query="q", calls=[ToolCall("ping", {"host": "a"}), ToolCall("ping", {"host": "b"})], truncated=[1])
    assert prediction_from_result(res).truncated == 1


def test_tokmem_method_takes_a_whole_decode_config() -> None:
    tm = object()
    base = DecodeConfig(max_calls=3, time_budget=2.0)
    m = get_method("tokmem", tm, config=base, constrained=False)  # type: ignore[arg-type]
    assert m.config == DecodeConfig(max_calls=3, time_budget=2.0, constrained=False)
    assert get_method("tokmem", tm, max_calls=2).config == DecodeConfig(max_calls=2)  # type: ignore[arg-type]


def test_run_eval_adds_cost_and_identity() -> None:
    oracle = Oracle(EXAMPLES)
    seen: list[tuple[int, int]] = []
    report = run_eval(oracle, EXAMPLES, [PING], model="m", chunk_size=2, progress=lambda d, t: seen.append((d, t)))
    assert report["n"] == 3 and report["tool_f1"] == 1.0 and report["full_em"] == 1.0
    assert report["method"] == "oracle" and report["model"] == "m" and report["trainable_parameters"] == 7
    assert report["prompt_tokens_per_query"] == 10 and report["seconds_per_query"] == 0.5
    assert report["peak_rss_mb"] > 1 and report["total_seconds"] >= 0 and report["constrained"] is False
    assert oracle.batches == [2, 1] and seen == [(2, 3), (3, 3)]


def test_run_eval_limit() -> None:
    assert run_eval(Oracle(EXAMPLES), EXAMPLES, {"ping": PING}, limit=1)["n"] == 1
    with pytest.raises(UserInputError):
        run_eval(Oracle(EXAMPLES), EXAMPLES, [PING], limit=0)
    with pytest.raises(UserInputError):
        run_eval(Oracle(EXAMPLES), [], [PING])


def test_unknown_tools_in_the_data_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    data = [Example("teleport me", (ToolCall("teleport", {}),))]
    with caplog.at_level("WARNING", logger="tokmem_agents.evaluation.harness"):
        report = run_eval(Oracle(data), data, [PING])
    assert "teleport" in caplog.text and report["tool_f1"] == 1.0


# --- on the tiny backbone --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tm(tiny_backbone: Any) -> Any:
    from tokmem_agents.config import TrainConfig
    from tokmem_agents.bank.memory import MemoryBank
    from tokmem_agents.tokmem import TokMem

    t = TokMem(tiny_backbone, MemoryBank(tiny_backbone.fingerprint))
    t.learn([PING], config=TrainConfig(epochs=1), save=False)
    return t


def test_tokmem_method_predicts_through_call_batch(tm: Any) -> None:
    from tokmem_agents.config import DecodeConfig

    method = get_method("tokmem", tm, constrained=False, max_text_tokens=3, max_tokens_per_call=8)
    assert isinstance(method, TokMemMethod) and method.name == "tokmem"
    assert method.config == DecodeConfig(constrained=False, max_text_tokens=3, max_tokens_per_call=8)
    assert method.trainable_parameters == 2 * 64  # one tool x (input + output row) x hidden size
    preds = method.predict(["ping a.org", "hello"])
    assert len(preds) == 2 and all(p.prompt_tokens > 0 and p.seconds >= 0 for p in preds)
    report = run_eval(method, EXAMPLES, tm.bank.specs, model=tm.backbone.model_id)
    assert report["method"] == "tokmem" and report["constrained"] is False and report["n"] == 3


def test_prompt_baselines_use_the_bank_tools(tm: Any) -> None:
    icl = get_method("icl", tm, max_new_tokens=2)
    assert icl.name == "icl" and icl.trainable_parameters == 0 and [s.name for s in icl.specs] == ["ping"]

    class Fixed:
        def index(self, documents: Sequence[str]) -> None:
            self.docs = list(documents)

        def top_k(self, query: str, k: int) -> list[int]:
            return [0][:k]

    rag = get_method("rag", tm, k=1, retriever=Fixed(), max_new_tokens=2)
    assert rag.name == "rag" and rag.k == 1 and "ping" in rag.retriever.docs[0]
    assert len(rag.predict(["ping a.org"])) == 1


def test_get_method_errors(tm: Any, tiny_backbone: Any) -> None:
    from tokmem_agents.bank.memory import MemoryBank
    from tokmem_agents.tokmem import TokMem

    with pytest.raises(UserInputError, match="unknown method 'lora2'"):
        get_method("lora2", tm)
    with pytest.raises(UserInputError, match="not implemented"):
        get_method("icl", tm, constrained=True)
    with pytest.raises(UserInputError, match="no tools"):
        get_method("icl", TokMem(tiny_backbone, MemoryBank(tiny_backbone.fingerprint)))
    with pytest.raises(UserInputError, match="lora: schema-constrained"):
        get_method("lora", tm, constrained=True)
    assert set(METHODS) == {"tokmem", "icl", "rag", "lora"}
