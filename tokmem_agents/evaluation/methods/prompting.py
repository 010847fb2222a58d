"""What the prompt-based methods share: tool schemas in the prompt, batched greedy generation, and
parsing generated text into ordered calls.

Templates that support ``tools=`` (the rendering differs with and without tools, e.g. Qwen2.5,
Llama 3.1) get the template's own format; otherwise (e.g. SmolLM2) the system prompt
:data:`FALLBACK_SYSTEM` lists the tools as JSON and asks for one
``<tool_call>{"name": ..., "arguments": ...}</tool_call>`` line per call. The LoRA baseline learns
that same line syntax, so :func:`parse_calls` reads every method's output.
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any, Sequence

from ...bank.records import ToolCall
from ...bank.specs import ToolSpec
from ...model.chat import ChatTemplate

log = logging.getLogger(__name__)

FALLBACK_SYSTEM = (
    "You are a function-calling assistant. You can call these tools (JSON Schema of the arguments):\n"
    "{tools}\n"
    "If the request needs tools, answer only with one line per call, in the order the calls are needed:\n"
    '<tool_call>{{"name": "<tool name>", "arguments": {{<argument name>: <value>, ...}}}}</tool_call>\n'
    "If no tool fits the request, answer in plain text without any tool call."
)


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


def fallback_system_prompt(specs: Sequence[ToolSpec]) -> str:
    """The documented system prompt for templates without tool support: one JSON tool per line."""
    lines = "\n".join(json.dumps(s.to_openai()["function"], ensure_ascii=False) for s in specs)
    return FALLBACK_SYSTEM.format(tools=lines)


def build_prompt(chat: ChatTemplate, query: str, specs: Sequence[ToolSpec], native: bool) -> str:
    """The full prompt text for ``query`` with ``specs`` in the prompt (native or fallback format)."""
    if native:
        return chat.render([{"role": "user", "content": query}], tools=[s.to_openai() for s in specs], strict=True)
    messages = [{"role": "system", "content": fallback_system_prompt(specs)}, {"role": "user", "content": query}]
    return chat.render(messages, strict=True)


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
