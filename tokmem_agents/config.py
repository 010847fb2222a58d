"""Configuration dataclasses; every default of the library lives here."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal

from .errors import BankError

FORMAT_VERSION = 1
"""Version of the on-disk bank format (``bank.json`` + ``memory.safetensors``)."""

InitMethod = Literal["name", "spec", "mean", "orthogonal", "prototype"]
Precision = Literal["auto", "bf16", "fp32"]
"""Matmul precision of the frozen backbone: ``auto`` uses bfloat16 autocast where the CPU/GPU supports
it (measured here: 6x faster training steps on a 2-core AVX512-BF16 CPU); memory rows stay float32."""
CallDecision = Literal["auto", "mass", "argmax"]


@dataclass(frozen=True)
class BankConfig:
    """How a bank's memory vectors are shaped; saved in ``bank.json``.

    ``coupled``: one vector per tool is both its input embedding and its output (unembedding) row
    (the paper's default); decoupled (the default here), each tool has an input row, read after the
    token is emitted, and its own output row, which scores the call decision. Measured on the
    development split with the embedded model and its adapter cee07a98a75d452f (shipped in float16 as 108713d5bd2fbbf5; mean of 3 tool sets,
    seed 0, 2026-12-04, ``benchmarks/results/tune_generalisation/``): held-out tool accuracy 0.620 ->
    0.747, full EM 0.333 -> 0.467, recall 0.893 -> 0.960, unrelated false calls 8.5% -> 7.5%.
    ``init``: how new vectors start: ``name`` averages the embeddings of the
    tool name's sub-tokens, ``spec`` those of the name and the description, ``mean`` is the mean pretrained embedding (plus small noise), ``orthogonal``
    draws orthogonal rows scaled to the mean embedding norm, ``prototype`` points each row from the
    mean decision state of generic queries to the mean decision state of the tool's own examples
    (the hidden state where the memory token is read), scaled to the mean embedding norm. Not the
    default: on the development split it routed held-out phrasings no better (forced tool accuracy
    0.553 -> 0.520) and called far less (recall 0.720 -> 0.433, unrelated false calls 19.8% -> 0.7%;
    ``benchmarks/results/tune_generalisation/``, 2026-12-02, seed 0).
    """

    coupled: bool = False
    init: InitMethod = "name"

    def to_json(self) -> dict[str, Any]:
        """The ``"config"`` object of bank.json."""
        return asdict(self)

    @classmethod
    def from_json(cls, raw: Any) -> "BankConfig":
        """Parse bank.json's ``"config"``; anything malformed is a :class:`BankError`."""
        if not isinstance(raw, dict):
            raise BankError("bank.json: field \"config\": expected an object")
        known = {f.name for f in fields(cls)}
        try:
            cfg = cls(**{k: v for k, v in raw.items() if k in known})
        except TypeError as e:
            raise BankError(f"bank.json: field \"config\": {e}") from None
        if not isinstance(cfg.coupled, bool) or cfg.init not in ("name", "spec", "mean", "orthogonal", "prototype"):
            raise BankError("bank.json: field \"config\": bad value for \"coupled\" or \"init\"")
        return cfg


@dataclass(frozen=True)
class LoopConfig:
    """The settings of the one optimisation loop (:func:`tokmem_agents.training.loop.optimise`) that
    learning tools, adapting a backbone and the LoRA baseline share: AdamW with a linear warm-up
    then linear decay, gradient clipping, shuffled batches, bf16 autocast where fast. Each run's
    config extends it with its own settings and defaults."""

    epochs: int = 5
    lr: float = 2e-2
    batch_size: int = 4
    weight_decay: float = 0.0
    warmup_ratio: float = 0.1
    seed: int = 0
    max_grad_norm: float | None = 1.0
    precision: Precision = "auto"
    group_by_length: bool = False
    """Batch examples of similar length together (less padding, faster on a CPU; batches stay shuffled)."""

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or not self.lr > 0:
            raise ValueError("epochs and batch_size must be >= 1 and lr > 0")
        if not 0 <= self.warmup_ratio < 1 or self.weight_decay < 0:
            raise ValueError("warmup_ratio must be in [0, 1) and weight_decay >= 0")

    def loop(self) -> "LoopConfig":
        """Just the loop settings of this config (e.g. to give another run the same step budget)."""
        return LoopConfig(**{f.name: getattr(self, f.name) for f in fields(LoopConfig)})


CALL_THRESHOLD = 0.02
"""The call threshold a new bank learned with negatives records (P(any memory token) at the first
position; chosen on the development split for ``augment=2, epochs=2, negative_share=0.35``,
``benchmarks/tune_generalisation.py``)."""

SYNTHESIZE_PER_NEW_TOOL = 8
"""Default number of synthesised multi-call examples per tool being learned (``TrainConfig.synthesize=None``)."""


@dataclass(frozen=True)
class TrainConfig(LoopConfig):
    """Learning tools: AdamW, weight decay 0, 10% linear warm-up as in the paper; 5 epochs at lr 2e-2
    rather than its 1-3 at 5e-3, because on the embedded model that measured better (core held-out
    set, 2026-11-26: tool-F1 0.957 -> 0.989, full EM 0.775 -> 0.825; the catalog bank has been built
    with it since it was first shipped).

    ``augment``, ``negative_share`` and the ``mass`` decision (issue 20) are off by default: on the
    development split (``benchmarks/tune_generalisation.py``, 2026-12-02, seed 0) ``augment=2,
    epochs=2, negative_share=0.35`` kept tool accuracy on held-out phrasings at 0.413 while false
    calls on unrelated queries fell from 19.8% to 4.9% (threshold 0.02), but on the core held-out
    set it lost in-domain recall (sequence accuracy 0.975 -> 0.925), below issue 2's 0.95."""

    renormalize: bool = True
    """Rescale new vectors to the mean norm of existing ones after every step (continual learning)."""
    renormalize_first: bool = False
    """Also renormalise the first tools of an empty bank, to the mean norm of the backbone's embeddings
    (off: not measured end to end; a routing-only simulation ranked it among the better variants,
    ``benchmarks/results/tune_generalisation/routing_sim/``)."""
    replay: bool = True
    """Replay stored examples of existing tools so new tokens learn not to fire on them."""
    replay_per_tool: int = 4
    synthesize: int | None = None
    """Multi-call examples synthesised from single-call ones (2-4 calls joined by connectors, see
    :func:`~tokmem_agents.training.synthesis.synthesize_compositional`): a count, 0 (off), or None (the
    default): :data:`SYNTHESIZE_PER_NEW_TOOL` per tool being learned. On by default because it measured
    better (``benchmarks/synthesis.py``: multi-call tool-F1 0.723 -> 0.781, full EM 0.138 -> 0.215 on the catalog)."""
    stored_examples_per_tool: int = 16
    """How many examples of each tool the bank keeps for later replay."""
    augment: int = 0
    """Phrasing variants made of each example of the tools being learned (lead-ins, request
    wrappers, trailing words, casing; arguments unchanged: :mod:`~tokmem_agents.training.augment`)."""
    negative_share: float = 0.0
    """Share of the training set made of no-tool queries (the shipped corpus and the bank's stored
    negatives, :mod:`~tokmem_agents.training.negatives`), on top of any no-tool examples given."""
    stored_negatives: int = 256
    """How many no-tool examples of the users' data (``--data`` lines with no call) the bank keeps,
    newest first, for later replay."""
    call_threshold: float | None = CALL_THRESHOLD
    """The ``mass`` decision threshold a new (empty) bank records when it is first learned with these
    settings and ``negative_share > 0`` (see :attr:`DecodeConfig.decision`); None (or no negatives):
    the bank decides by ``argmax``. A bank keeps the threshold it started with, since its older tools
    were learned for it."""
    no_tool_weight: float = 8.0
    """Loss weight of a single-term example (a no-tool query, or a decision-only request), relative
    to one target token of a call."""
    spec_queries: int = 0
    """How many decision-only requests to make of each new tool's description and name (``Can you
    <description>?``, ...; at most 8, 0: off; :mod:`~tokmem_agents.training.decision_only`), each
    weighing ``no_tool_weight`` tokens; off until it measures better."""
    perturbed_queries: int = 0
    """How many decision-only wordings to make of each single-call example of the new tools (words
    dropped, clauses rotated, terse, as a question: :mod:`~tokmem_agents.training.decision_only`);
    off until it measures better."""

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("spec_queries", "perturbed_queries"):
            n = getattr(self, name)
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise ValueError(f"{name} must be an integer >= 0, not {n!r}")
        if self.synthesize is not None and (isinstance(self.synthesize, bool) or not isinstance(self.synthesize, int) or self.synthesize < 0):
            raise ValueError(f"synthesize must be None (auto) or an integer >= 0, not {self.synthesize!r}")
        if self.call_threshold is not None and not 0 < self.call_threshold < 1:
            raise ValueError("call_threshold must be None or in (0, 1)")
        if self.augment < 0 or self.stored_negatives < 0 or not 0 <= self.negative_share < 1 or not self.no_tool_weight > 0:
            raise ValueError("augment and stored_negatives must be >= 0, negative_share in [0, 1) and no_tool_weight > 0")

    def synthesized_examples(self, new_tools: int) -> int:
        """How many multi-call examples to synthesise when learning ``new_tools`` tools."""
        return SYNTHESIZE_PER_NEW_TOOL * new_tools if self.synthesize is None else self.synthesize


@dataclass(frozen=True)
class DecodeConfig:
    """Limits and switches of decoding; each limit ends a generation with a clear stop reason."""

    constrained: bool = True
    """Decode arguments under the tool's JSON Schema (every emitted call valid by construction)."""
    max_calls: int = 8
    max_tokens_per_call: int = 192
    max_text_tokens: int = 128
    """Length cap of a plain-text (no tool) answer."""
    time_budget: float | None = None
    """Wall-clock seconds for one decode call (a whole batch); None: no budget."""
    batch_size: int = 8
    allowed_tools: frozenset[str] | None = field(default=None)
    """Restrict which memory tokens may fire (None: all tools of the bank)."""
    precision: Precision = "fp32"
    """fp32 by default: autocast re-casts every weight at each one-token step, which costs more than
    it saves when decoding."""
    max_closing_tokens: int = 64
    """Constrained decoding only: a call cut by ``max_tokens_per_call``, the repetition guard or the
    time budget is closed by the grammar with at most this many extra tokens (no model steps), so it
    stays schema-valid; it is reported in ``DecodeResult.truncated``. 0: cut it unclosed (invalid)."""
    repetition_guard: int = 32
    """Constrained decoding only: stop a call whose last this-many argument tokens repeat a pattern of
    at most a quarter of that length (degenerate repetition), then close it as above (stop reason
    ``repetition``). 0: off."""
    require_call: bool = False
    """The first generated token must be a memory token of an allowed tool (LangChain
    ``tool_choice="any"``): the answer is always at least one call, never plain text."""
    copy_bias: float = 8.0
    """Extra logits for the tokens that keep a string argument value a copy of a span of the query
    (see :mod:`tokmem_agents.decode.copying`; values of an ``enum``/``const`` are left alone); 0: off. On by
    default: on the embedded model it raised full EM on the catalog's single calls 0.677 -> 0.723 and
    on the core held-out set 0.65 -> 0.75 (2026-11-26)."""

    decision: CallDecision = "auto"
    """How the decoder chooses between calling and not calling, where both are allowed (the first
    generated token; after a constrained call closes, another call or the end): ``mass`` compares the
    *total* probability of the allowed memory tokens with :attr:`call_threshold` (first token) or
    :attr:`continue_threshold` (after a call); ``argmax`` takes the single most likely token (a peaked
    memory distribution then beats a flat first-word one, which leans towards calling); ``auto``:
    ``mass`` at the threshold the bank recorded when it was learned (:attr:`MemoryBank.call_threshold`),
    ``argmax`` for a bank that recorded none (learned without negatives), unless a
    :attr:`call_threshold` is given."""
    call_threshold: float | None = None
    """``mass``: the first token is a memory token when P(any allowed memory token) >= this (None:
    the bank's recorded threshold, else 0.5)."""
    continue_threshold: float = 0.5
    """``mass``: after a call closes, another call follows when P(any allowed memory token) >= this
    (else the turn ends)."""

    def __post_init__(self) -> None:
        if self.decision not in ("auto", "mass", "argmax"):
            raise ValueError(f"decision must be 'auto', 'mass' or 'argmax', not {self.decision!r}")
        if not ((self.call_threshold is None or 0 < self.call_threshold < 1) and 0 < self.continue_threshold < 1):
            raise ValueError("call_threshold and continue_threshold must be in (0, 1)")
        if self.decision == "argmax" and self.call_threshold is not None:
            raise ValueError("call_threshold is the 'mass' decision's; it means nothing with decision='argmax'")
        if self.max_calls < 1 or self.max_tokens_per_call < 1 or self.batch_size < 1:
            raise ValueError("max_calls, max_tokens_per_call and batch_size must be >= 1")
        if self.max_closing_tokens < 0 or self.repetition_guard < 0 or not self.copy_bias >= 0:
            raise ValueError("max_closing_tokens, repetition_guard and copy_bias must be >= 0")
        if self.repetition_guard and self.repetition_guard < 4:
            raise ValueError("repetition_guard must be 0 (off) or >= 4 tokens")
        if self.require_call and self.allowed_tools is not None and not self.allowed_tools:
            raise ValueError("require_call with no allowed tool: no answer is possible")

    @classmethod
    def from_options(cls, base: "DecodeConfig | None" = None, **options: Any) -> "DecodeConfig":
        """The config of options a user gave (CLI flags, LangChain fields, benchmark arguments): each
        option that is None keeps the value of ``base`` (default: the defaults above).

        ``allowed_tools`` may be any collection of names; an empty one means text only, so the schema
        constraint is switched off (no call can fire; ``require_call`` with it is still an error)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise TypeError(f"unknown decoding option(s) {unknown}; known: {sorted(known)}")
        given = {k: v for k, v in options.items() if v is not None}
        if "allowed_tools" in given:
            given["allowed_tools"] = frozenset(given["allowed_tools"])
            if not given["allowed_tools"]:
                given["constrained"] = False
        return replace(base if base is not None else cls(), **given)


@dataclass(frozen=True)
class LoraSettings:
    """The shape of a LoRA adapter (peft's ``r``, ``lora_alpha``, ``target_modules``, ``lora_dropout``),
    shared by :class:`AdaptConfig` and :class:`LoRAConfig`."""

    rank: int = 8
    alpha: int = 16
    targets: tuple[str, ...] = ("q_proj", "v_proj")
    dropout: float = 0.0

    def __post_init__(self) -> None:
        if self.rank < 1 or self.alpha <= 0 or not self.targets or not 0 <= self.dropout < 1:
            raise ValueError("rank and alpha must be positive, targets non-empty and dropout in [0, 1)")

    def peft_config(self) -> Any:
        """This shape as a peft ``LoraConfig`` (no bias terms)."""
        from peft import LoraConfig

        return LoraConfig(r=self.rank, lora_alpha=self.alpha, target_modules=list(self.targets), lora_dropout=self.dropout, bias="none")

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict of every field (stored in an adapter's metadata)."""
        raw = asdict(self)
        raw["targets"] = list(self.targets)
        return raw


@dataclass(frozen=True)
class AdaptConfig(LoraSettings, LoopConfig):
    """Backbone adaptation ("TokMem w/ adapt"): a LoRA adapter trained once per backbone jointly with
    temporary memory tokens on the auxiliary corpus, then frozen for good.

    The defaults are the recipe of the shipped adapter (cee07a98a75d452f, shipped in float16 as
    108713d5bd2fbbf5): rank 16, alpha 32 on all four attention projections, with paraphrases and 400
    negatives. On the held-out phrasing benchmark (``benchmarks/generalisation.py``, ``learn-tool``
    defaults, seed 0) it and decoupled rows together lifted tool accuracy 0.503 -> 0.657 and cut false
    calls on unrelated queries 16.9% -> 5.5%, against the earlier rank-8 q/v adapter db8004c8 with
    coupled rows. The LoRA baseline (:class:`LoRAConfig`) keeps rank 8 on q/v."""

    rank: int = 16
    alpha: int = 32
    targets: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")
    epochs: int = 2
    lr: float = 1e-3
    """Learning rate of the LoRA weights."""
    memory_lr: float = 2e-2
    """Learning rate of the temporary memory rows (the same as a bank's tools are later trained with)."""
    group_by_length: bool = True
    """On by default here: the auxiliary corpus mixes short and long examples, and grouping made
    adaptation steps ~25% faster."""
    paraphrases: bool = True
    """Also train on the corpus's paraphrased queries, if it has any (other verbs and object names
    than the tools' examples use), with the temporary memory rows held fixed: the rows learn from the
    plain examples only, so the adapter alone must route the paraphrases to them (issue 20, lever 5).
    On by default since the shipped adapter cee07a98. First measured on rank 8 q/v: with
    ``negatives=400`` (adapter 291e8471e43501da, 2026-12-02, seed 0) it routed held-out phrasings of the development split far better (learned with
    ``augment=2, epochs=2, negative_share=0.35``, mass 0.02: tool accuracy 0.413 -> 0.660, recall
    0.587 -> 0.887, false calls 4.9% -> 2.5%; with ``learn`` defaults 0.413 -> 0.600) but lost
    arguments on the core held-out set (``benchmarks/core_recipe.py``, ``learn`` defaults: tool-F1
    0.989 -> 0.946, sequence accuracy 0.975 -> 0.900, full EM 0.825 -> 0.650)."""
    negatives: int = 400
    """No-tool queries drawn from the shipped negatives corpus (:mod:`~tokmem_agents.training.negatives`)
    on top of the auxiliary corpus's own."""
    decision_weight: float = 1.0
    """Loss weight of a call's decision tokens (each memory token and the end token) relative to one
    argument token (issue 20, lever 5). A weight above 1 also makes a call example weigh more against
    a no-tool example (whose weight stays ``NO_TOOL_WEIGHT``)."""

    def __post_init__(self) -> None:
        LoopConfig.__post_init__(self)
        LoraSettings.__post_init__(self)
        if not self.memory_lr > 0:
            raise ValueError("memory_lr must be positive")
        if self.negatives < 0:
            raise ValueError("negatives must be >= 0")
        if not (math.isfinite(self.decision_weight) and self.decision_weight > 0):
            raise ValueError("decision_weight must be positive and finite")


@dataclass(frozen=True)
class LoRAConfig(LoraSettings, LoopConfig):
    """The LoRA baseline: the adapter's shape and its training loop (defaults: r=8 on q_proj, v_proj)."""

    epochs: int = 3
    lr: float = 1e-3

    def __post_init__(self) -> None:
        LoopConfig.__post_init__(self)
        LoraSettings.__post_init__(self)

    @classmethod
    def matching(cls, train: TrainConfig, **changes: Any) -> "LoRAConfig":
        """The loop settings of a TokMem :class:`TrainConfig` (epochs, batch, warm-up, seed, clipping,
        precision, grouping): the same step budget. The learning rate stays LoRA's own unless given."""
        loop = {k: v for k, v in asdict(train.loop()).items() if k not in ("lr", "weight_decay")}
        return cls(**{**loop, **changes})
