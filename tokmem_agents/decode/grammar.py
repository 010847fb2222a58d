"""Schema-constrained tool calls: a token mask driven by the tools' JSON Schemas (llguidance).

After the decoder emits memory token ``i`` (id ``base_vocab + i``), the tokens that follow must
spell ``json.dumps(arguments)`` of a JSON object valid for tool ``i``'s schema; once the object
closes, only another memory token or an end-of-turn token may follow. One Lark grammar expresses
the whole assistant turn::

    start: call{1,max_calls}
    call:  <[base_vocab+0]> args_0 | <[base_vocab+1]> args_1 | ...
    args_i: %json { schema_i + x-guidance options }

and llguidance (a maintained Earley/derivative-regex engine) turns it into a token mask. Memory
tokens live beyond the HF tokenizer: the llguidance tokenizer is built with
``n_vocab = base_vocab + len(tools)``, so ids past ``len(tokenizer)`` are byte-less special tokens
that only a ``<[id]>`` reference in the grammar can allow (the padding rows of the embedding are
never referenced, hence never allowed). The end-of-turn tokens are the matcher's EOS tokens: they
are allowed exactly when the grammar can stop, i.e. right after a complete object.

JSON is forced into the training format: ``json.dumps`` separators (``", "``, ``": "``), no
newlines or other whitespace. Two llguidance rules the training data must follow to stay reachable:
object keys come in the order of the schema's ``properties``, and const/enum strings are spelled in
raw UTF-8 (``ensure_ascii=False``; free strings accept raw UTF-8 and ``\\uXXXX`` escapes alike).
Const/enum strings and property names the tokenizer cannot spell are a :class:`SpecError`.

What the mask enforces (per llguidance's JSON Schema support, checked by our tests):
``type`` (string, number, integer, boolean, null, object, array, lists of types), ``properties``,
``required``, ``additionalProperties`` (defaulted to false on every object that declares
``properties``), ``items``, ``prefixItems``, ``minItems``/``maxItems``, ``enum``, ``const``,
nested objects, ``anyOf``, ``oneOf`` when its branches are provably disjoint, ``allOf`` (mostly),
local ``$ref``, ``minLength``/``maxLength``, ``pattern`` (no look-around), ``format``
(date-time, time, date, duration, email, hostname, ipv4, ipv6, uuid, uri), ``minimum``,
``maximum``, ``exclusiveMinimum``/``exclusiveMaximum``, ``multipleOf``.

What it does not enforce and the decoder must post-check with jsonschema: ``uniqueItems``,
``not``, ``if``/``then``/``else``, ``contains``, ``dependentRequired``/``dependentSchemas``,
``propertyNames``, ``min/maxProperties`` unless every listed property is required, unknown
``format`` names, look-around ``pattern``s, and the exclusivity of overlapping ``oneOf``
branches (approximated by ``anyOf``). A tool whose schema needs such a relaxation is listed in
:attr:`CallGrammar.unenforced` with the reasons. Enforced formats are regex approximations (``date``
accepts Feb 29 of any year), so the jsonschema post-check stays on for every call.

Closing a call early (:meth:`CallState.close`): when the decoder must stop a call before the model
closed its JSON (token budget, degenerate repetition, time budget), the grammar alone finishes it,
one greedy step at a time, by the closing preference of :mod:`.closing`. Every step is taken from
the mask, so the result is schema-valid whenever it closes within the cap; the decoder reports such
calls as truncated. Schemas are compiled by :mod:`.schemas`; the argument bytes of the open call are
tracked by a :class:`~.scanner.JsonScanner`.
"""

from __future__ import annotations

import json
import logging
import weakref
from typing import Any, Collection, Sequence

import llguidance
import llguidance.hf
import numpy as np
import torch

from ..errors import BackboneError, ConstraintError, SpecError, TokMemError, UnknownToolError
from .closing import closing_scores
from .scanner import JsonScanner
from .schemas import check_literals, compile_schema

logger = logging.getLogger(__name__)

# A grammar's LLTokenizer is expensive (~0.3 s); share it per (tokenizer, n_vocab, end tokens).
_LL_TOKENIZERS: "weakref.WeakKeyDictionary[Any, dict[tuple[int, tuple[int, ...]], llguidance.LLTokenizer]]"
_LL_TOKENIZERS = weakref.WeakKeyDictionary()
_EXECUTOR: llguidance.LLExecutor | None = None
#: Batches at least this large compute their masks in llguidance's thread pool; below it, waking
#: the pool costs more than the masks (tens of microseconds each), especially next to torch's threads.
PARALLEL_MIN_BATCH = 8


def ll_tokenizer(tokenizer: Any, n_vocab: int, end_token_ids: tuple[int, ...]) -> llguidance.LLTokenizer:
    """The llguidance view of ``tokenizer`` with ``n_vocab`` ids and the end tokens as EOS (cached)."""
    per_tok = _LL_TOKENIZERS.setdefault(tokenizer, {})
    key = (n_vocab, end_token_ids)
    if key not in per_tok:
        try:
            per_tok[key] = llguidance.hf.from_tokenizer(tokenizer, n_vocab=n_vocab, eos_token=list(end_token_ids))
        except ValueError as e:
            raise BackboneError(f"tokenizer {type(tokenizer).__name__}: {e} (a fast HF tokenizer is required)") from None
    return per_tok[key]


def token_bytes(ll: llguidance.LLTokenizer, token_id: int) -> bytes:
    """The bytes ``token_id`` spells in ``ll`` (empty for special tokens and ids past the tokenizer)."""
    if token_id >= ll.vocab_size or ll.is_special_token(token_id):
        return b""
    return ll.decode_bytes([token_id])


def _executor() -> llguidance.LLExecutor:
    global _EXECUTOR
    if _EXECUTOR is None:
        _EXECUTOR = llguidance.LLExecutor()
    return _EXECUTOR


def call_rules(
    tools: Sequence[tuple[str, dict[str, Any], int]], ll: llguidance.LLTokenizer, portable: bool = False
) -> tuple[str, list[str], dict[str, tuple[str, ...]]]:
    """The Lark rules of one call for ``tools`` given as ``(name, schema, memory token id)``:
    ``call: <[id_0]> args_0 | ...``, one ``args_i: %json {...}`` rule per tool (the training format's
    fixed whitespace), and tool name -> the reasons its schema is only partly enforced. Shared by
    :class:`CallGrammar` and the export's whole-turn grammar, so both reach the same arguments
    (``portable``: JSON options every llguidance >= 1.0 reads, see :func:`~.schemas.compile_schema`)."""
    rules, alternatives = [], []
    unenforced: dict[str, tuple[str, ...]] = {}
    for i, (name, schema, token_id) in enumerate(tools):
        check_literals(name, schema, ll)
        try:
            text, relaxed = compile_schema(json.dumps(schema, sort_keys=False), portable)
        except ValueError as e:
            raise SpecError(f"tool {name!r}: parameters: cannot be compiled to a token mask: {e}") from None
        if relaxed:
            unenforced[name] = relaxed
            logger.info("tool %r: schema partly enforced, post-check needed: %s", name, "; ".join(relaxed))
        rules.append(f"args_{i}: %json {text}")
        alternatives.append(f"<[{int(token_id)}]> args_{i}")
    return "call: " + " | ".join(alternatives), rules, unenforced


class CallGrammar:
    """Compiled once per (tokenizer, tool set): ``calls+`` where each call is memory token ``i``
    followed by a JSON object valid for schema ``i``; the turn ends with an end token.

    ``tools`` are ``(name, json_schema)`` in bank order (memory token of ``tools[i]`` has id
    ``base_vocab + i``); ``allowed_tools`` restricts which memory tokens may fire (LangChain
    ``bind_tools``); ``max_calls`` caps the number of calls in one turn.
    """

    def __init__(
        self,
        tokenizer: Any,
        base_vocab: int,
        tools: Sequence[tuple[str, dict[str, Any]]],
        end_token_ids: Sequence[int],
        *,
        allowed_tools: Collection[str] | None = None,
        max_calls: int | None = None,
    ) -> None:
        names = [name for name, _ in tools]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate tool names in {names}")
        if not tools:
            raise ValueError("a CallGrammar needs at least one tool")
        if len(tokenizer) > base_vocab:
            raise BackboneError(
                f"tokenizer has {len(tokenizer)} tokens but the output embedding only {base_vocab} rows:"
                " memory token ids would collide with vocabulary ids"
            )
        end = tuple(int(t) for t in end_token_ids)
        if not end or any(not 0 <= t < base_vocab for t in end):
            raise ValueError(f"end_token_ids must be non-empty vocabulary ids below {base_vocab}, got {list(end)}")
        if max_calls is not None and max_calls < 1:
            raise ValueError(f"max_calls must be >= 1, got {max_calls}")
        allowed = set(names) if allowed_tools is None else set(allowed_tools)
        unknown = sorted(allowed - set(names))
        if unknown:
            raise UnknownToolError(f"allowed_tools: {unknown} not in the tool set {names}")
        if not allowed:
            raise ValueError("allowed_tools is empty: no call could ever be decoded")

        self.tool_names: tuple[str, ...] = tuple(names)
        self.base_vocab = base_vocab
        self.end_token_ids = end
        self.allowed_tools = frozenset(allowed)
        self.max_calls = max_calls
        #: tool name -> reasons its schema is only partly enforced (post-check these with jsonschema).
        self.unenforced: dict[str, tuple[str, ...]] = {}

        self._tokenizer = tokenizer
        self._ll_tokenizer = ll_tokenizer(tokenizer, self.vocab_size, end)
        chosen = [(name, schema, base_vocab + i) for i, (name, schema) in enumerate(tools) if name in allowed]
        call, rules, self.unenforced = call_rules(chosen, self._ll_tokenizer)
        repeat = "+" if max_calls is None else f"{{1,{max_calls}}}"
        self.lark = "\n".join([f"start: call{repeat}", call, *rules]) + "\n"

        self._template = llguidance.LLMatcher(self._ll_tokenizer, self.lark, log_level=0)
        if self._template.is_error():
            raise SpecError(f"tool grammar rejected by llguidance: {self._template.get_error().splitlines()[0]}")
        self._end_mask = torch.zeros(self.vocab_size, dtype=torch.bool)
        self._end_mask[list(end)] = True

    @property
    def vocab_size(self) -> int:
        """Width of the masks: ``base_vocab + len(tools)`` (the decoder's logits width)."""
        return self.base_vocab + len(self.tool_names)

    def memory_token_id(self, name: str) -> int:
        """Id of the memory token of tool ``name``."""
        try:
            return self.base_vocab + self.tool_names.index(name)
        except ValueError:
            raise UnknownToolError(f"tool {name!r} not in the tool set {list(self.tool_names)}") from None

    def tool_of(self, token_id: int) -> str | None:
        """Name of the tool whose memory token is ``token_id`` (None for a vocabulary id)."""
        i = token_id - self.base_vocab
        return self.tool_names[i] if 0 <= i < len(self.tool_names) else None

    def closing_scores(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-token closing preferences (outside, inside a string) used by :meth:`CallState.close`."""
        return closing_scores(self._tokenizer, self._ll_tokenizer, self.vocab_size)

    def token_bytes(self, token_id: int) -> bytes:
        """The bytes a vocabulary token spells (empty for special and memory tokens)."""
        return token_bytes(self._ll_tokenizer, token_id)

    def new_state(self) -> CallState:
        """A fresh state expecting a memory token (cheap: copies the compiled matcher)."""
        return CallState(self, self._template.deep_copy())


class CallState:
    """Progress of one sequence through a :class:`CallGrammar`; advance it with every emitted token."""

    def __init__(self, grammar: CallGrammar, matcher: llguidance.LLMatcher) -> None:
        self.grammar = grammar
        self._matcher = matcher
        self._tool: str | None = None
        self.current: JsonScanner | None = None
        """The arguments of the call being decoded, scanned as they come (None between calls)."""
        self._ended = False
        #: completed calls so far: (tool name, arguments JSON text).
        self.calls: list[tuple[str, str]] = []

    @property
    def done(self) -> bool:
        """True once the turn can only stop: an end token was accepted, or ``max_calls`` calls are
        complete (then only an end token is allowed, and advancing with it is still accepted)."""
        return self._ended or self._matcher.is_stopped()

    @property
    def in_call(self) -> bool:
        """True between a memory token and the ``}`` that closes its arguments."""
        return self.current is not None

    @property
    def current_tool(self) -> str | None:
        """Name of the tool whose arguments are being decoded (None between calls)."""
        return self._tool if self.current is not None else None

    def _check(self) -> None:
        if self._matcher.is_error():
            raise TokMemError(f"constraint matcher failed: {self._matcher.get_error().splitlines()[0]}")

    def allowed_tokens(self) -> torch.Tensor:
        """Bool mask of shape ``[vocab_size]``, True where the token may come next."""
        out = torch.from_numpy(np.empty((1, self.grammar.vocab_size), dtype=np.bool_))
        fill_masks([self], out)
        return out[0]

    def advance(self, token_id: int) -> None:
        """Consume ``token_id``; raises :class:`ValueError` (state unchanged) if it is not allowed."""
        g = self.grammar
        token_id = int(token_id)
        if not 0 <= token_id < g.vocab_size:
            raise ConstraintError(f"token {token_id} is outside the vocabulary of size {g.vocab_size}")
        if self._ended:
            raise ConstraintError(f"token {token_id} after the end of the turn")
        self._check()
        if token_id in g.end_token_ids and self._matcher.is_stopped():
            # max_calls reached: llguidance only takes EOS here, through consume_token.
            accepted = self._matcher.consume_token(token_id)
        else:
            accepted = self._matcher.try_consume_tokens([token_id]) == 1
        if not accepted:
            where = f"inside the arguments of {self.current_tool!r}" if self.in_call else "between calls"
            shown = g.tool_of(token_id) or repr(g._ll_tokenizer.decode_str([token_id]))
            raise ConstraintError(f"token {token_id} ({shown}) is not allowed {where}")
        tool = g.tool_of(token_id)
        if token_id in g.end_token_ids:
            self._ended = True
        elif tool is not None:
            self._tool, self.current = tool, JsonScanner()
        elif self.current is not None:
            self.current.feed(g.token_bytes(token_id))
            if self.current.closed:
                self.calls.append((str(self._tool), self.current.text))
                self.current = None

    def close(self, max_tokens: int) -> list[int]:
        """Finish the current call's arguments with grammar-allowed tokens only, as fast as the greedy
        closing preference finds (see the module doc); at most ``max_tokens`` tokens.

        Returns the tokens consumed (already advanced). The call is complete (valid for its schema)
        iff :attr:`in_call` is False afterwards; it stays open only when the cap is too small.
        """
        out: list[int] = []
        if not self.in_call:
            return out
        outside, inside = self.grammar.closing_scores()
        buf = np.empty((1, self.grammar.vocab_size), dtype=np.bool_)
        while self.in_call and len(out) < max_tokens:
            fill_masks([self], torch.from_numpy(buf))
            inside_string = self.current is not None and self.current.in_string
            scores = np.where(buf[0], inside if inside_string else outside, np.iinfo(np.int32).min)
            tok = int(scores.argmax())
            if not buf[0, tok]:
                break  # nothing allowed (cannot happen inside arguments; kept as a guard)
            self.advance(tok)
            out.append(tok)
        return out


def fill_masks(states: Sequence[CallState], out: torch.Tensor) -> None:
    """Write the allowed-token masks of ``states`` into the rows of bool tensor ``out``
    (``[len(states), vocab_size]``, on CPU); batches of :data:`PARALLEL_MIN_BATCH` or more are
    computed in parallel in llguidance's thread pool.

    A finished state (``done``) allows only the end tokens. The bits are unpacked with numpy, not
    torch: small torch ops on vocabulary-sized tensors wake its intra-op thread pool, which costs
    milliseconds per call on a busy CPU.
    """
    if not states:
        return
    vocab = states[0].grammar.vocab_size
    if out.dtype != torch.bool or tuple(out.shape) != (len(states), vocab) or out.device.type != "cpu":
        raise ValueError(f"out must be a CPU bool tensor of shape {(len(states), vocab)}, got {out.dtype} {tuple(out.shape)} on {out.device}")
    words = (vocab + 31) // 32
    bitmask = np.full((len(states), words), -1, dtype=np.int32)
    jobs = []
    for row, state in enumerate(states):
        if state.grammar.vocab_size != vocab:
            raise ValueError("fill_masks: all states must share one vocabulary size")
        state._check()
        if not state.done:
            jobs.append((state._matcher, row))
    if len(jobs) >= PARALLEL_MIN_BATCH:
        _executor().unsafe_compute_mask_ptr(jobs, bitmask.ctypes.data, words * 4, len(states))
    else:
        for matcher, row in jobs:
            matcher.unsafe_compute_mask_ptr(bitmask[row].ctypes.data, words * 4)
    bits = np.unpackbits(bitmask.view(np.uint8), axis=1, count=vocab, bitorder="little")
    target = out.numpy()
    np.copyto(target, bits.view(np.bool_))
    for row, state in enumerate(states):
        if state.done:
            target[row] = state.grammar._end_mask.numpy()


def apply_masks(logits: torch.Tensor, masks: torch.Tensor) -> None:
    """Set ``logits`` to -inf in place where ``masks`` is False (same shape, or ``logits`` wider:
    extra columns are masked too). Uses numpy on CPU for the reason given in :func:`fill_masks`."""
    vocab = masks.shape[-1]
    if logits.shape[-1] > vocab:
        logits[..., vocab:] = float("-inf")
        logits = logits[..., :vocab]
    if logits.device.type == "cpu" and logits.dtype in (torch.float32, torch.float64) and logits.is_contiguous():
        np.copyto(logits.numpy(), -np.inf, where=~masks.numpy())
    else:
        logits.masked_fill_(~masks.to(logits.device), float("-inf"))
