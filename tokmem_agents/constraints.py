"""Schema-constrained tool calls: a logits mask driven by the tools' JSON Schemas (llguidance).

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
one greedy step at a time: among the allowed tokens it prefers the ones that close the current
string/array/object (``"}``, ``]``, ``}``), then separators, then the shortest values (``1``,
``null``, ``true``, an empty string or array), and inside a constrained string (enum, const,
minLength, pattern) the longest allowed piece. Every step is taken from the mask, so the result is
schema-valid whenever it closes within the cap; the decoder reports such calls as truncated.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import weakref
from typing import Any, Collection, Iterator, Sequence

import llguidance
import llguidance.hf
import numpy as np
import torch

from .errors import BackboneError, ConstraintError, SpecError, TokMemError, UnknownToolError

logger = logging.getLogger(__name__)

#: llguidance JSON options that reproduce ``json.dumps(arguments)`` with default separators.
JSON_FORMAT: dict[str, Any] = {
    "whitespace_flexible": False,
    "item_separator": ", ",
    "key_separator": ": ",
    # accept \uXXXX escapes of printable characters too (json.dumps with ensure_ascii=True).
    "json_allow_general_unicode_escapes": True,
}

# A grammar's LLTokenizer is expensive (~0.3 s); share it per (tokenizer, n_vocab, end tokens).
_LL_TOKENIZERS: "weakref.WeakKeyDictionary[Any, dict[tuple[int, tuple[int, ...]], llguidance.LLTokenizer]]"
_LL_TOKENIZERS = weakref.WeakKeyDictionary()
_EXECUTOR: llguidance.LLExecutor | None = None
#: Batches at least this large compute their masks in llguidance's thread pool; below it, waking
#: the pool costs more than the masks (tens of microseconds each), especially next to torch's threads.
PARALLEL_MIN_BATCH = 8


def _ll_tokenizer(tokenizer: Any, n_vocab: int, end_token_ids: tuple[int, ...]) -> llguidance.LLTokenizer:
    """The llguidance view of ``tokenizer`` with ``n_vocab`` ids and the end tokens as EOS (cached)."""
    per_tok = _LL_TOKENIZERS.setdefault(tokenizer, {})
    key = (n_vocab, end_token_ids)
    if key not in per_tok:
        try:
            per_tok[key] = llguidance.hf.from_tokenizer(tokenizer, n_vocab=n_vocab, eos_token=list(end_token_ids))
        except ValueError as e:
            raise BackboneError(f"tokenizer {type(tokenizer).__name__}: {e} (a fast HF tokenizer is required)") from None
    return per_tok[key]


_SEPARATORS = frozenset(b",: ")
_CLOSERS = frozenset(b"}]")
_SEPS_AND_CLOSERS = frozenset(b',: "}]')
_ATOMS = frozenset({b"null", b"true", b"false"})


def _score_outside(piece: bytes) -> int:
    """Closing preference of a token outside a JSON string (higher: finishes the object sooner)."""
    rest = piece.lstrip(b",: ")
    if not rest:
        return 2000 + len(piece)  # a separator: the value before it is done
    if all(c in _CLOSERS for c in rest):
        return 3000 + len(rest)
    if rest in _ATOMS:
        return 1600
    if rest.isdigit():
        return 1600 - len(rest) - (rest[:1] == b"0")  # "1" first: "0" may need a fraction
    if rest == b'"':
        return 1500  # an empty string is two tokens away
    if rest[:1] == b"[":
        return 100
    if rest[:1] == b"{":
        return 90
    return min(len(piece), 50)


def _score_inside(piece: bytes) -> int:
    """Closing preference of a token inside a JSON string: close it (and the containers after it),
    else write the longest allowed piece (enum/const values, minLength, patterns end sooner)."""
    quote = piece.find(b'"')
    if quote < 0 or b"\\" in piece[:quote]:
        return 2 * min(len(piece), 50) - (piece[:1] == b"0")  # "1" over "0": year 0000 is no date
    content, rest = min(quote, 9), piece[quote + 1 :]
    if not rest:
        return 2500 - content
    if all(c in _CLOSERS for c in rest):
        return 3000 + 10 * len(rest) - content
    if all(c in _SEPS_AND_CLOSERS for c in rest):
        return 2600 + len(rest) - content  # a comma or colon follows a bare quote here anyway
    return 2 * min(len(piece), 50)


_CLOSING_SCORES: "weakref.WeakKeyDictionary[Any, dict[int, tuple[np.ndarray, np.ndarray]]]" = weakref.WeakKeyDictionary()


def _closing_scores(tokenizer: Any, ll: llguidance.LLTokenizer, n_vocab: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-token closing preferences ``(outside a string, inside a string)``, cached per tokenizer."""
    per_tok = _CLOSING_SCORES.setdefault(tokenizer, {})
    if n_vocab not in per_tok:
        outside = np.full(n_vocab, -1, dtype=np.int32)
        inside = np.full(n_vocab, -1, dtype=np.int32)
        for i in range(min(n_vocab, len(tokenizer))):
            if ll.is_special_token(i):
                continue
            piece = ll.decode_bytes([i])
            if piece:
                outside[i] = _score_outside(piece)
                inside[i] = _score_inside(piece)
        per_tok[n_vocab] = (outside, inside)
    return per_tok[n_vocab]


def _executor() -> llguidance.LLExecutor:
    global _EXECUTOR
    if _EXECUTOR is None:
        _EXECUTOR = llguidance.LLExecutor()
    return _EXECUTOR


def close_objects(schema: Any) -> Any:
    """Copy of ``schema`` where every object that declares ``properties`` gets
    ``additionalProperties: false`` unless it says otherwise (``allOf`` branches are left alone,
    closing them would make their intersection unsatisfiable)."""
    if isinstance(schema, list):
        return [close_objects(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("properties", "$defs", "definitions", "patternProperties", "dependentSchemas"):
            out[key] = {k: close_objects(v) for k, v in value.items()} if isinstance(value, dict) else value
        elif key in ("items", "prefixItems", "anyOf", "oneOf", "additionalProperties", "contains"):
            out[key] = close_objects(value)
        else:
            out[key] = copy.deepcopy(value)
    if "properties" in out and "additionalProperties" not in out and "patternProperties" not in out:
        out["additionalProperties"] = False
    return out


def _strip_patterns(schema: Any) -> Any:
    """Copy of ``schema`` without ``pattern`` keywords (last resort for regexes llguidance rejects)."""
    if isinstance(schema, list):
        return [_strip_patterns(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for k, v in schema.items():
        if k == "pattern" and isinstance(v, str):
            continue
        if k in ("const", "enum", "default", "examples"):
            out[k] = v
        elif k in ("properties", "$defs", "definitions") and isinstance(v, dict):
            out[k] = {name: _strip_patterns(sub) for name, sub in v.items()}
        else:
            out[k] = _strip_patterns(v)
    return out


_MAX_LITERAL_INT = 2**62
_NOT_SCHEMAS = frozenset({"default", "examples", "description", "title", "$comment", "x-guidance"})


def _literals(schema: Any) -> Iterator[str | int]:
    """Values the grammar spells verbatim: property names, const/enum strings (and keys), integers."""
    if isinstance(schema, list):
        for item in schema:
            yield from _literals(item)
    elif isinstance(schema, dict):
        for key, value in schema.items():
            if key in ("const", "enum"):
                yield from _values(value if key == "enum" and isinstance(value, list) else [value])
            elif key in ("properties", "patternProperties", "$defs", "definitions") and isinstance(value, dict):
                if key == "properties":
                    yield from value
                yield from _literals(list(value.values()))
            elif key not in _NOT_SCHEMAS:
                yield from _literals(value)


def _values(values: list[Any]) -> Iterator[str | int]:
    for v in values:
        if isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool)):
            yield v
        elif isinstance(v, dict):
            yield from v
            yield from _values(list(v.values()))
        elif isinstance(v, list):
            yield from _values(v)


@functools.lru_cache(maxsize=1024)
def compile_schema(schema_json: str) -> tuple[str, tuple[str, ...]]:
    """Turn a tool schema (as JSON text) into the schema text inlined in the grammar.

    Returns ``(schema_text, unenforced)``: the schema closed with :func:`close_objects` and carrying
    :data:`JSON_FORMAT`, and the reasons it had to be relaxed (empty when llguidance enforces it
    fully). Tries strict mode, then llguidance's lenient mode (unsupported keywords ignored, oneOf
    as anyOf), then lenient without ``pattern``. Raises :class:`ValueError` if none compiles.
    """
    base = close_objects(json.loads(schema_json))
    if not isinstance(base, dict):
        raise ValueError(f"a tool schema must be a JSON object, got {type(base).__name__}")
    base.pop("x-guidance", None)
    attempts = [
        ({**base, "x-guidance": JSON_FORMAT}, ()),
        ({**base, "x-guidance": {**JSON_FORMAT, "lenient": True}}, ()),
        ({**_strip_patterns(base), "x-guidance": {**JSON_FORMAT, "lenient": True}}, ("pattern not enforced",)),
    ]
    first_error = ""
    for schema, extra in attempts:
        grammar = llguidance.LLMatcher.grammar_from_json_schema(schema)
        is_error, messages = llguidance.LLMatcher.validate_grammar_with_warnings(grammar)
        if not is_error:
            return json.dumps(schema), tuple(messages) + extra
        first_error = first_error or messages[0]
    raise ValueError(first_error.splitlines()[0] if first_error else "llguidance rejected the schema")


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
        self._ll_tokenizer = _ll_tokenizer(tokenizer, self.vocab_size, end)
        rules = []
        alternatives = []
        for i, (name, schema) in enumerate(tools):
            if name not in allowed:
                continue
            for literal in _literals(schema):
                if isinstance(literal, int):
                    if abs(literal) >= _MAX_LITERAL_INT:  # llguidance 1.x crashes near -2**63
                        raise SpecError(f"tool {name!r}: parameters: const/enum integer {literal} is outside +-2**62")
                    continue
                raw = json.dumps(literal, ensure_ascii=False).encode("utf-8", "surrogatepass")  # as spelled in JSON
                if self._ll_tokenizer.decode_bytes(self._ll_tokenizer.tokenize_bytes(raw)) != raw:
                    raise SpecError(
                        f"tool {name!r}: parameters: the string {literal!r} cannot be written with this tokenizer"
                        " (it lacks some of its bytes): use another const/enum value or property name"
                    )
            try:
                text, relaxed = compile_schema(json.dumps(schema, sort_keys=False))
            except ValueError as e:
                raise SpecError(f"tool {name!r}: parameters: cannot be compiled to a token mask: {e}") from None
            if relaxed:
                self.unenforced[name] = relaxed
                logger.info("tool %r: schema partly enforced, post-check needed: %s", name, "; ".join(relaxed))
            rules.append(f"args_{i}: %json {text}")
            alternatives.append(f"<[{base_vocab + i}]> args_{i}")
        repeat = "+" if max_calls is None else f"{{1,{max_calls}}}"
        self.lark = "\n".join([f"start: call{repeat}", "call: " + " | ".join(alternatives), *rules]) + "\n"

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
        return _closing_scores(self._tokenizer, self._ll_tokenizer, self.vocab_size)

    def new_state(self) -> CallState:
        """A fresh state expecting a memory token (cheap: copies the compiled matcher)."""
        return CallState(self, self._template.deep_copy())


class CallState:
    """Progress of one sequence through a :class:`CallGrammar`; advance it with every emitted token."""

    def __init__(self, grammar: CallGrammar, matcher: llguidance.LLMatcher) -> None:
        self.grammar = grammar
        self._matcher = matcher
        self._depth = 0  # JSON nesting depth of the current call's arguments
        self._in_string = False
        self._escaped = False
        self._current: tuple[str, bytearray] | None = None
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
        return self._current is not None

    @property
    def current_tool(self) -> str | None:
        """Name of the tool whose arguments are being decoded (None between calls)."""
        return None if self._current is None else self._current[0]

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
            self._current = (tool, bytearray())
        elif self._current is not None:
            self._scan(g._ll_tokenizer.decode_bytes([token_id]))

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
            scores = np.where(buf[0], inside if self._in_string else outside, np.iinfo(np.int32).min)
            tok = int(scores.argmax())
            if not buf[0, tok]:
                break  # nothing allowed (cannot happen inside arguments; kept as a guard)
            self.advance(tok)
            out.append(tok)
        return out

    def _scan(self, data: bytes) -> None:
        """Track JSON nesting over the argument bytes to see where the call's object closes."""
        assert self._current is not None
        self._current[1].extend(data)
        for b in data:
            if self._in_string:
                if self._escaped:
                    self._escaped = False
                elif b == 0x5C:  # backslash
                    self._escaped = True
                elif b == 0x22:  # quote
                    self._in_string = False
            elif b == 0x22:
                self._in_string = True
            elif b in (0x7B, 0x5B):  # { [
                self._depth += 1
            elif b in (0x7D, 0x5D):  # } ]
                self._depth -= 1
        if self._depth == 0 and not self._in_string and self._current[1]:
            self.calls.append((self._current[0], self._current[1].decode("utf-8")))
            self._current = None


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
