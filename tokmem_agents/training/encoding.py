"""Training examples as token ids: ``chat_template(user: query) + [mem_a] json(args_a) ... <end>``.

A call's arguments are ``json.dumps`` with keys in schema order (what constrained decoding can
produce); a no-tool example is the prompt alone. :func:`target_positions` says where a batch's loss
is read, for TokMem's loss and the LoRA baseline's alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import torch

from ..bank.records import Example
from ..bank.specs import ToolSpec, order_like_schema
from ..model.backbone import Backbone


@dataclass(frozen=True)
class Encoded:
    """A tokenised training example."""

    ids: list[int]
    prompt_len: int
    tools: tuple[str, ...]
    decisions: frozenset[int] = frozenset()
    """Positions in ``ids`` of the decision tokens: each memory token (which tool) and the end token
    (stop); the loss can weigh them apart from the argument tokens. Empty for an example built by
    hand (e.g. the LoRA baseline's text targets): then nothing is weighed as a decision."""

    @property
    def no_tool(self) -> bool:
        """A query that needs no tool (the prompt alone)."""
        return not self.tools

    @property
    def decision_only(self) -> bool:
        """The prompt and one memory token, nothing after it (:func:`encode_decision`)."""
        return bool(self.tools) and len(self.ids) == self.prompt_len + 1


def call_text(arguments: Mapping[str, Any], spec: ToolSpec | None = None) -> str:
    """The training text of a call's arguments: ``json.dumps`` with keys in schema order."""
    args = order_like_schema(dict(arguments), spec.schema) if spec is not None else arguments
    return json.dumps(args, ensure_ascii=False)


def encode_example(
    backbone: Backbone, ex: Example, token_index: Mapping[str, int], specs: Mapping[str, ToolSpec] | None = None
) -> Encoded:
    """Token ids of ``prompt + [mem] json(args) ... <end>`` (no-tool examples: the prompt only)."""
    prompt = backbone.prompt_ids(ex.query)
    target: list[int] = []
    decisions: list[int] = []
    for call in ex.calls:
        decisions.append(len(prompt) + len(target))
        target.append(backbone.base_vocab + token_index[call.name])
        text = call_text(call.arguments, (specs or {}).get(call.name))
        target.extend(backbone.tokenizer(text, add_special_tokens=False)["input_ids"])
    if ex.calls:
        decisions.append(len(prompt) + len(target))
        target.append(backbone.end_token_ids[0])
    return Encoded(prompt + target, len(prompt), tuple(c.name for c in ex.calls), frozenset(decisions))


def encode_decision(backbone: Backbone, query: str, tool: str, token_index: Mapping[str, int]) -> Encoded:
    """A decision-only example: the prompt and ``tool``'s memory token, nothing after it (the loss reads
    only which tool fires; :mod:`.decision_only`)."""
    prompt = backbone.prompt_ids(query)
    return Encoded(prompt + [backbone.base_vocab + token_index[tool]], len(prompt), (tool,), frozenset({len(prompt)}))


def collate(batch: Sequence[Encoded], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The batch's ids right-padded with ``pad_id`` to its longest example, and the attention mask."""
    width = max(len(e.ids) for e in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for r, e in enumerate(batch):
        ids[r, : len(e.ids)] = torch.tensor(e.ids)
        mask[r, : len(e.ids)] = 1
    return ids, mask


@dataclass(frozen=True)
class Targets:
    """Where a batch's loss is read, as (row, column) positions of the hidden states.

    ``rows``/``cols`` predict the assistant tokens ``labels`` (a call example's target, teacher
    forced); ``neg_rows``/``neg_cols`` are the last prompt position of each no-tool example, where
    the first assistant token is decided. ``decisions[i]`` is true where ``labels[i]`` is one of its
    example's :attr:`Encoded.decisions` (a memory token or the end token).
    """

    rows: list[int]
    cols: list[int]
    labels: list[int]
    neg_rows: list[int]
    neg_cols: list[int]
    decisions: list[bool]


def target_positions(batch: Sequence[Encoded]) -> Targets:
    """The :class:`Targets` of a batch: the trainer's and the LoRA baseline's loss read the same places."""
    t = Targets([], [], [], [], [], [])
    for r, e in enumerate(batch):
        if e.no_tool:
            t.neg_rows.append(r)
            t.neg_cols.append(e.prompt_len - 1)
            continue
        for p in range(e.prompt_len - 1, len(e.ids) - 1):
            t.rows.append(r)
            t.cols.append(p)
            t.labels.append(e.ids[p + 1])
            t.decisions.append(p + 1 in e.decisions)
    return t


