"""The ``lora`` baseline: the same frozen backbone fine-tuned with a peft LoRA adapter on the same data.

Training text: the prompt is the same chat prompt TokMem sees (the user's query, no tool
descriptions); the assistant target is the calls as text, one
``<tool_call>{"name": ..., "arguments": {...}}</tool_call>`` line per call (the syntax the icl/rag
prompt asks for, so :func:`~.baselines.parse_calls` reads the output), arguments in schema key order
as in TokMem's training, then the end-of-turn token. A no-tool example adds the loss
``-log(1 - P(first assistant token opens a call))``, the analogue of the trainer's no-tool term,
with the same weight. Optimiser, schedule, clipping and bf16 autocast follow the trainer.

The backbone is shared by the whole process, so the adapter lives in :class:`LoRAMethod` as a state
dict and is attached to the backbone only inside :meth:`LoRAMethod.fit` and
:meth:`LoRAMethod.predict` (peft ``unload`` afterwards, never merged: the base weights stay
bit-identical). Calling :meth:`~LoRAMethod.fit` again continues training the same adapter
(sequential fine-tuning, as in the continual-learning benchmark).

    lora = LoRAMethod(backbone, specs, LoRAConfig.matching(train_config))
    lora.fit(tokmem_training_set(backbone, specs, compositional, train_config))
    run_eval(lora, eval_examples, specs)
"""

from __future__ import annotations

import contextlib
import json
import logging
from typing import Any, Callable, Iterator, Mapping, Sequence

import torch

from ...bank.memory import MemoryBank
from ...bank.records import Example, ToolCall
from ...bank.specs import ToolSpec, order_like_schema
from ...config import LoRAConfig, TrainConfig
from ...errors import UserInputError
from ...training.encoding import Encoded, collate, target_positions
from ...training.loop import TrainProgress, optimise
from ...training.loss import NO_TOOL_WEIGHT
from ...training.plan import plan_examples
from ...training.trainer import TrainStats
from ...model.adapters import attach_lora
from ...model.backbone import Backbone
from ..metrics import Prediction
from .prompting import generate, parse_calls

log = logging.getLogger(__name__)

CALL_OPEN = "<tool_call>"
CALL_CLOSE = "</tool_call>"


def target_text(calls: Sequence[ToolCall], specs: Mapping[str, ToolSpec] | None = None) -> str:
    """The assistant text LoRA learns for ``calls``: one ``<tool_call>{...}</tool_call>`` line each."""
    lines = []
    for c in calls:
        spec = (specs or {}).get(c.name)
        args = order_like_schema(dict(c.arguments), spec.schema) if spec is not None else dict(c.arguments)
        lines.append(CALL_OPEN + json.dumps({"name": c.name, "arguments": args}, ensure_ascii=False) + CALL_CLOSE)
    return "\n".join(lines)


def tokmem_training_set(
    backbone: Backbone, specs: Sequence[ToolSpec], extra: Sequence[Example] = (), config: TrainConfig | None = None
) -> list[Example]:
    """Exactly the examples TokMem trains on when it learns ``specs`` (+ ``extra``) into an empty bank
    (spec examples, extra data, synthesised compositions): the LoRA baseline's training set."""
    examples, _ = plan_examples(MemoryBank(backbone.fingerprint), list(specs), list(extra), config or TrainConfig())
    return examples


def lora_parameter_count(model: Any, rank: int, targets: Sequence[str]) -> int:
    """Parameters peft adds for LoRA of ``rank`` on the linear layers named ``targets``: r*(in+out) each."""
    n = 0
    for name, module in model.named_modules():
        if name.rsplit(".", 1)[-1] in targets and isinstance(module, torch.nn.Linear):
            n += rank * (module.in_features + module.out_features)
    return n


def _log1mexp(x: torch.Tensor) -> torch.Tensor:
    """``log(1 - exp(x))`` for ``x < 0``, accurate at both ends (Maechler's split at -ln 2)."""
    x = x.clamp(max=-1e-7)
    return torch.where(x > -0.6931471805599453, torch.log(-torch.expm1(x)), torch.log1p(-torch.exp(x)))


class LoRAMethod:
    """A LoRA adapter on the shared backbone as an evaluated method (``name = "lora"``).

    ``trainable_parameters`` counts the LoRA weights; ``train_seconds``/``train_steps``/
    ``train_examples`` add up over every :meth:`fit`. ``seconds`` of a prediction is its share of
    generation time (attaching/removing the adapter around a batch is not counted: a deployed
    adapter stays attached).
    """

    name = "lora"
    constrained = False

    def __init__(
        self,
        backbone: Backbone,
        specs: Sequence[ToolSpec] = (),
        config: LoRAConfig | None = None,
        *,
        max_new_tokens: int = 256,
        batch_size: int = 8,
    ) -> None:
        self.backbone = backbone
        self.config = config or LoRAConfig()
        self.specs = {s.name: s for s in specs}
        self.max_new_tokens, self.batch_size = max_new_tokens, batch_size
        self.trainable_parameters = lora_parameter_count(backbone.model, self.config.rank, self.config.targets)
        if not self.trainable_parameters:
            raise UserInputError(f"lora: the backbone has no linear layer named {list(self.config.targets)}")
        self.state: dict[str, torch.Tensor] | None = None
        """The adapter weights (peft state-dict names, float32 on the CPU); None before any training."""
        self.train_seconds = 0.0
        self.train_steps = 0
        self.train_examples = 0
        self._marker_id: int | None = None

    # -- the adapter on the shared backbone ----------------------------------------------------
    @contextlib.contextmanager
    def attached(self) -> Iterator[Any]:
        """The backbone with this adapter attached (a peft ``PeftModel``); removed again on exit."""
        from peft import set_peft_model_state_dict

        model = self.backbone.model
        with torch.random.fork_rng(devices=[]):  # LoRA A init: reproducible, global RNG untouched
            torch.manual_seed(self.config.seed)
            peft_model = attach_lora(model, self.config)
        try:
            peft_model.eval()
            if self.state is not None:
                result = set_peft_model_state_dict(peft_model, self.state)
                unexpected = list(getattr(result, "unexpected_keys", []) or [])
                if unexpected:
                    raise UserInputError(f"lora: adapter weights do not fit this backbone: {unexpected[:3]}")
            yield peft_model
        finally:
            peft_model.unload()
            model.requires_grad_(False)
            model.eval()

    # -- training ------------------------------------------------------------------------------
    @property
    def marker_id(self) -> int:
        """The first token of a call line: a no-tool example teaches the adapter not to emit it."""
        if self._marker_id is None:
            self._marker_id = int(self.backbone.tokenizer(CALL_OPEN, add_special_tokens=False)["input_ids"][0])
        return self._marker_id

    def encode(self, ex: Example) -> Encoded:
        """Token ids of ``prompt + target text + <end>`` (a no-tool example: the prompt only)."""
        bb = self.backbone
        prompt = bb.prompt_ids(ex.query)
        target: list[int] = []
        if ex.calls:
            target = bb.tokenizer(target_text(ex.calls, self.specs), add_special_tokens=False)["input_ids"]
            target.append(bb.end_token_ids[0])
        return Encoded(prompt + target, len(prompt), tuple(ex.tool_names))

    def batch_loss(self, batch: Sequence[Encoded]) -> torch.Tensor:
        """Mean cross entropy over the target tokens, plus the weighted no-tool terms."""
        model = self.backbone.model
        dev = self.backbone.device
        ids, mask = collate(batch, self.backbone.tokenizer.pad_token_id or 0)
        t = target_positions(batch)
        h = model.base_model(input_ids=ids.to(dev), attention_mask=mask.to(dev)).last_hidden_state
        head = model.get_output_embeddings()
        terms: list[torch.Tensor] = []
        weights: list[torch.Tensor] = []
        if t.rows:
            logits = head(h[t.rows, t.cols]).float()
            terms.append(torch.nn.functional.cross_entropy(logits, torch.tensor(t.labels, device=logits.device), reduction="none"))
            weights.append(torch.ones(len(t.rows), device=logits.device))
        if t.neg_rows:
            logits = head(h[t.neg_rows, t.neg_cols]).float()
            log_p = logits[:, self.marker_id] - torch.logsumexp(logits, -1)
            terms.append(-_log1mexp(log_p))  # -log(1 - p(marker))
            weights.append(torch.full((len(t.neg_rows),), NO_TOOL_WEIGHT, device=logits.device))
        tt, w = torch.cat(terms), torch.cat(weights)
        return (tt * w).sum() / w.sum()

    def fit(self, examples: Sequence[Example], progress: Callable[[TrainProgress], None] | None = None) -> TrainStats:
        """Train the adapter on ``examples`` (continuing from its current weights), with a fresh
        AdamW, linear warm-up/decay, gradient clipping and the configured autocast."""
        from peft import get_peft_model_state_dict

        if not examples:
            raise UserInputError("lora: no training examples")
        cfg = self.config
        encoded = [self.encode(e) for e in examples]
        with self.attached() as peft_model:
            for name, module in self.backbone.model.named_modules():
                if "lora_dropout" in name:  # only the adapter's dropout trains; the backbone stays in eval mode
                    module.train()
            params = [p for p in self.backbone.model.parameters() if p.requires_grad]
            opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
            run = optimise(lambda b: (self.batch_loss(b), None), encoded, params, opt, cfg, self.backbone.device, progress)
            seconds, total, loss_val = run.seconds, run.steps, run.final_loss
            self.state = {
                k: v.detach().to(torch.float32).cpu().clone() for k, v in get_peft_model_state_dict(peft_model).items()
            }
        self.train_seconds += seconds
        self.train_steps += total
        self.train_examples += len(encoded) * cfg.epochs
        tools = sorted({n for e in examples for n in e.tool_names})
        return TrainStats(tools=tools, examples=len(encoded), steps=total, seconds=seconds, final_loss=loss_val,
                          epochs=cfg.epochs)

    # -- prediction ----------------------------------------------------------------------------
    def predict(self, queries: Sequence[str]) -> list[Prediction]:
        """Greedy, batched, KV-cached generation with the adapter; the text parsed into calls."""
        prompts = [self.backbone.chat.prompt(q) for q in queries]
        with self.attached():
            results = generate(
                self.backbone.model, self.backbone.tokenizer, prompts, self.max_new_tokens, self.batch_size,
                eos_token_ids=self.backbone.end_token_ids,
            )
        out = []
        for text, n_tokens, seconds in results:
            calls, invalid = parse_calls(text)
            out.append(Prediction(calls, text, n_tokens, seconds, invalid))
        return out
