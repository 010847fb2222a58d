"""The prompt-based baselines on the same frozen backbone as TokMem: ``icl`` and ``rag``.

* ``icl`` puts every tool schema in the prompt. When the backbone's chat template supports
  ``tools=`` (rendering with and without tools differs, e.g. Qwen2.5, Llama 3.1) the template's own
  format is used; otherwise (e.g. SmolLM2) a system prompt, :data:`FALLBACK_SYSTEM`, lists the tools
  as JSON and asks for one ``<tool_call>{"name": ..., "arguments": ...}</tool_call>`` line per call.
* ``rag`` is the same prompt with only the top-k tools picked by a :class:`~.retrieval.Retriever`.

Both decode greedily in left-padded batches and parse the text into ordered calls with
:func:`parse_calls`. Every method has ``name``, ``trainable_parameters`` and
``predict(queries) -> list[Prediction]`` (:class:`Method`).
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any, Mapping, Protocol, Sequence, runtime_checkable

from .data import ToolCall
from .errors import BackboneError, UserInputError
from .metrics import Prediction
from .retrieval import Retriever, tool_document
from .specs import ToolSpec

log = logging.getLogger(__name__)

FALLBACK_SYSTEM = (
    "You are a function-calling assistant. You can call these tools (JSON Schema of the arguments):\n"
    "{tools}\n"
    "If the request needs tools, answer only with one line per call, in the order the calls are needed:\n"
    '<tool_call>{{"name": "<tool name>", "arguments": {{<argument name>: <value>, ...}}}}</tool_call>\n'
    "If no tool fits the request, answer in plain text without any tool call."
)

_PROBE_TOOL = {
    "type": "function",
    "function": {
        "name": "probe_tool_xq",
        "description": "probe",
        "parameters": {"type": "object", "properties": {}},
    },
}


@runtime_checkable
class Method(Protocol):
    """A tool-calling method evaluated by the harness."""

    name: str
    trainable_parameters: int

    def predict(self, queries: Sequence[str]) -> list[Prediction]: ...


# --- parsing ----------------------------------------------------------------------------------

_TAG_RE = re.compile(r"<tool_call>(.*?)(?:</tool_call>|(?=<tool_call>)|\Z)", re.DOTALL)
_DECODER = json.JSONDecoder()


def _to_call(obj: Any, strict: bool) -> ToolCall | None:
    """A call from ``{"name", "arguments"|"parameters"}`` (or the OpenAI ``function`` wrapper).

    ``strict`` (outside ``<tool_call>`` tags) requires an arguments key, so stray JSON in a plain
    answer is not taken for a call.
    """
    if not isinstance(obj, dict):
        return None
    if isinstance(obj.get("function"), dict) and "name" not in obj:
        obj = obj["function"]
    name = obj.get("name")
    if not isinstance(name, str) or not name:
        return None
    key = "arguments" if "arguments" in obj else "parameters" if "parameters" in obj else None
    if key is None:
        return None if strict else ToolCall(name, {})
    args = obj[key]
    if isinstance(args, str):  # OpenAI style: arguments as a JSON string
        try:
            args = json.loads(args)
        except json.JSONDecodeError:
            return None
    return ToolCall(name, args) if isinstance(args, dict) else None


def _json_values(text: str) -> list[Any]:
    """Every top-level JSON object or array that can be decoded from ``text``, left to right."""
    out, i = [], 0
    while True:
        starts = [j for j in (text.find("{", i), text.find("[", i)) if j >= 0]
        if not starts:
            return out
        i = min(starts)
        try:
            value, end = _DECODER.raw_decode(text, i)
        except json.JSONDecodeError:
            i += 1
            continue
        out.append(value)
        i = end


def _calls_from(values: list[Any], strict: bool) -> tuple[list[ToolCall], bool]:
    """Calls in decoded JSON values, looking inside wrappers (arrays, ``{"tool_calls": [...]}``).

    The flag says whether some value held no call at all.
    """
    calls: list[ToolCall] = []

    def visit(v: Any, depth: int) -> bool:
        call = _to_call(v, strict)
        if call is not None:
            calls.append(call)
            return True
        if depth >= 3:
            return False
        children = v if isinstance(v, list) else list(v.values()) if isinstance(v, dict) else []
        return any([visit(c, depth + 1) for c in children])

    junk = False
    for v in values:
        junk |= not visit(v, 0)
    return calls, junk


def parse_calls(text: str) -> tuple[list[ToolCall], list[str]]:
    """Ordered calls in generated text, and the raw text of call attempts that did not parse.

    With ``<tool_call>`` tags, each tag's content must hold a call (an object or an array of them);
    a tag that does not is an invalid attempt. Without tags, every JSON object (or array of
    objects) with ``name`` and ``arguments``/``parameters`` in the text is a call, in order;
    other text and JSON are an ordinary answer, not an attempt.
    """
    blocks = _TAG_RE.findall(text)
    if not blocks:
        return _calls_from(_json_values(text), strict=True)[0], []
    calls: list[ToolCall] = []
    invalid: list[str] = []
    for block in blocks:
        found, junk = _calls_from(_json_values(block), strict=False)
        if not found:
            invalid.append(block.strip())
        calls.extend(found)
        if found and junk:
            log.debug("ignored non-call JSON inside <tool_call>: %r", block[:200])
    return calls, invalid


# --- prompts ----------------------------------------------------------------------------------


def _render(tokenizer: Any, messages: list[dict[str, str]], tools: list[dict] | None) -> str:
    kwargs = {"tools": tools} if tools is not None else {}
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True, **kwargs)


def supports_native_tools(tokenizer: Any) -> bool:
    """True when the chat template renders a ``tools=`` list (the rendering changes with a tool)."""
    if not getattr(tokenizer, "chat_template", None):
        raise BackboneError("the backbone's tokenizer has no chat template; icl/rag need one to build prompts")
    messages = [{"role": "user", "content": "ping"}]
    try:
        return _render(tokenizer, messages, [_PROBE_TOOL]) != _render(tokenizer, messages, None)
    except Exception as e:  # a template may refuse tools outright; then it has no tool support
        log.debug("chat template rejected tools=: %s", e)
        return False


def fallback_system_prompt(specs: Sequence[ToolSpec]) -> str:
    """The documented system prompt for templates without tool support: one JSON tool per line."""
    lines = "\n".join(json.dumps(s.to_openai()["function"], ensure_ascii=False) for s in specs)
    return FALLBACK_SYSTEM.format(tools=lines)


def build_prompt(tokenizer: Any, query: str, specs: Sequence[ToolSpec], native: bool) -> str:
    """The full prompt text for ``query`` with ``specs`` in the prompt (native or fallback format)."""
    if native:
        return _render(tokenizer, [{"role": "user", "content": query}], [s.to_openai() for s in specs])
    messages = [{"role": "system", "content": fallback_system_prompt(specs)}, {"role": "user", "content": query}]
    return _render(tokenizer, messages, None)


# --- generation -------------------------------------------------------------------------------


def _pad_id(tokenizer: Any) -> int:
    for tid in (tokenizer.pad_token_id, tokenizer.eos_token_id):
        if tid is not None:
            return int(tid)
    return 0


def _eos_ids(model: Any, tokenizer: Any) -> list[int]:
    ids: list[int] = []
    cfg_eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    for tid in [tokenizer.eos_token_id, *(cfg_eos if isinstance(cfg_eos, list) else [cfg_eos])]:
        if tid is not None and int(tid) not in ids:
            ids.append(int(tid))
    return ids


def generate(
    model: Any,
    tokenizer: Any,
    prompts: Sequence[str],
    max_new_tokens: int,
    batch_size: int,
    eos_token_ids: Sequence[int] | None = None,
) -> list[tuple[str, int, float]]:
    """Greedy completions of ``prompts`` as ``(text, prompt_tokens, seconds)``, batched with left padding.

    Prompts are batched in length order to limit padding; each batch's wall time is shared equally
    by its prompts. Prompts longer than the model's context are logged, not cut: that failure is
    part of what the baselines measure. Generation stops at ``eos_token_ids`` (default: the
    tokenizer's and the generation config's eos tokens).
    """
    import torch
    from transformers import GenerationConfig

    batch_size = max(1, batch_size)
    encoded = [tokenizer(p, add_special_tokens=False)["input_ids"] for p in prompts]
    limit = getattr(getattr(model, "config", None), "max_position_embeddings", None)
    too_long = sum(len(e) + max_new_tokens > limit for e in encoded) if isinstance(limit, int) else 0
    if too_long:
        log.warning("%d of %d prompts plus %d new tokens exceed the model's context of %d tokens",
                    too_long, len(prompts), max_new_tokens, limit)
    pad = _pad_id(tokenizer)
    eos = [int(t) for t in eos_token_ids] if eos_token_ids else _eos_ids(model, tokenizer)
    config = GenerationConfig(
        max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=pad, eos_token_id=eos or None
    )
    device = next(model.parameters()).device
    order = sorted(range(len(prompts)), key=lambda i: len(encoded[i]))
    results: list[tuple[str, int, float]] = [("", 0, 0.0)] * len(prompts)
    for b in range(0, len(order), batch_size):
        idx = order[b : b + batch_size]
        width = max(len(encoded[i]) for i in idx)
        ids = torch.tensor([[pad] * (width - len(encoded[i])) + encoded[i] for i in idx], device=device)
        mask = torch.tensor([[0] * (width - len(encoded[i])) + [1] * len(encoded[i]) for i in idx], device=device)
        start = time.perf_counter()
        with torch.inference_mode():
            out = model.generate(input_ids=ids, attention_mask=mask, generation_config=config)
        share = (time.perf_counter() - start) / len(idx)
        for row, i in enumerate(idx):
            text = tokenizer.decode(out[row, width:], skip_special_tokens=True)
            results[i] = (text, len(encoded[i]), share)
    return results


# --- methods ----------------------------------------------------------------------------------


class ICLMethod:
    """In-context tool calling: all tool schemas in the prompt, greedy decoding, parsed calls."""

    name = "icl"
    trainable_parameters = 0

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        specs: Sequence[ToolSpec],
        *,
        max_new_tokens: int = 256,
        batch_size: int = 8,
        constrained: bool = False,
    ) -> None:
        if constrained:
            raise NotImplementedError("schema-constrained decoding for icl/rag is not implemented yet")
        self.model, self.tokenizer = model, tokenizer
        self.specs = list(specs)
        self.max_new_tokens, self.batch_size = max_new_tokens, batch_size
        self.native = supports_native_tools(tokenizer)
        log.info("%s: %s tool format, %d tools", self.name, "native" if self.native else "fallback", len(self.specs))

    def tools_for(self, query: str) -> list[ToolSpec]:
        """The tools placed in the prompt of ``query``: all of them."""
        return self.specs

    def prompts(self, queries: Sequence[str]) -> list[str]:
        """The prompt text of each query."""
        return [build_prompt(self.tokenizer, q, self.tools_for(q), self.native) for q in queries]

    def predict(self, queries: Sequence[str]) -> list[Prediction]:
        """Generate for every query and parse the calls.

        ``seconds`` is the query's share of prompt building (retrieval included) plus its share of
        its batch's generation time.
        """
        start = time.perf_counter()
        prompts = self.prompts(queries)
        prep = (time.perf_counter() - start) / max(1, len(queries))
        out = []
        for text, n_tokens, seconds in generate(
            self.model, self.tokenizer, prompts, self.max_new_tokens, self.batch_size
        ):
            calls, invalid = parse_calls(text)
            out.append(Prediction(calls, text, n_tokens, seconds + prep, invalid))
        return out


class RAGMethod(ICLMethod):
    """Retrieval-augmented tool calling: only the top-k retrieved tool schemas in the prompt.

    The retriever indexes :func:`~.retrieval.tool_document` of each spec; the retrieved tools are
    listed best first. Retrieval time is included in ``seconds``; the default retriever is
    :class:`~.retrieval.MiniLMRetriever`.
    """

    name = "rag"

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        specs: Sequence[ToolSpec],
        *,
        retriever: Retriever | None = None,
        k: int = 3,
        max_new_tokens: int = 256,
        batch_size: int = 8,
        constrained: bool = False,
    ) -> None:
        super().__init__(
            model, tokenizer, specs, max_new_tokens=max_new_tokens, batch_size=batch_size, constrained=constrained
        )
        if k < 1:
            raise UserInputError(f"rag: k must be at least 1, got {k}")
        if retriever is None:
            from .retrieval import MiniLMRetriever

            retriever = MiniLMRetriever()
        self.retriever, self.k = retriever, k
        self.retriever.index([tool_document(s) for s in self.specs])

    def tools_for(self, query: str) -> list[ToolSpec]:
        """The ``k`` tools the retriever ranks highest for ``query``, best first."""
        return [self.specs[i] for i in self.retriever.top_k(query, self.k)]


BASELINES: Mapping[str, type[ICLMethod]] = {"icl": ICLMethod, "rag": RAGMethod}
