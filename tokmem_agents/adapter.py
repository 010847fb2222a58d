"""Backbone adaptation ("TokMem w/ adapt"): a LoRA adapter trained once per backbone, then frozen.

The adapter is trained jointly with *temporary* memory tokens (one per auxiliary tool, see
:mod:`tokmem_agents.auxiliary`) and the temporary tokens are discarded. Afterwards the adapter is
merged into the backbone's weights whenever that backbone is loaded with it; every tool a user learns
still trains only its own memory vector. An adapter is a directory in peft's format
(``adapter_config.json`` + ``adapter_model.safetensors``) plus ``tokmem-adapter.json`` (its id, the
base backbone's fingerprint, the settings and the training stats). Its id is a hash of its weights;
banks learned on an adapted backbone record it in their fingerprint.
"""

from __future__ import annotations

import hashlib
import re
import json
import logging
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

import torch

from .config import AdaptConfig, loop_config
from .errors import BackboneError, BackboneMismatchError
from .home import model_cache_dir

if TYPE_CHECKING:
    from .auxiliary import AuxCorpus
    from .backbone import Backbone, Fingerprint
    from .trainer import TrainProgress

log = logging.getLogger(__name__)

META_FILE = "tokmem-adapter.json"
WEIGHTS_FILE = "adapter_model.safetensors"
FORMAT = 1
SHIPPED_ADAPTERS = Path(__file__).parent / "data" / "adapters"
"""Adapters shipped with the package; ``defaults.json`` there maps a model id to its default adapter."""


@dataclass(frozen=True)
class Adapter:
    """A trained, frozen LoRA adapter on disk."""

    id: str
    path: Path
    base: "Fingerprint"
    config: AdaptConfig
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def parameters(self) -> int:
        """Number of trained LoRA parameters."""
        return int(self.stats.get("trainable_parameters", 0))


def adapters_dir() -> Path:
    """Where trained adapters are saved: ``$TOKMEM_HOME/models/adapters/<id>``."""
    return model_cache_dir() / "adapters"


def attach_lora(
    model: Any,
    rank: int = 8,
    alpha: int = 16,
    targets: tuple[str, ...] = ("q_proj", "v_proj"),
    dropout: float = 0.0,
) -> Any:
    """Inject trainable peft LoRA layers into ``model`` in place; returns the ``PeftModel`` wrapper.

    Call ``.unload()`` on the result to restore the original modules (base weights untouched) or
    ``.merge_and_unload()`` to fold the adapter into them.
    """
    from peft import LoraConfig, get_peft_model

    names = {n.rsplit(".", 1)[-1] for n, _ in model.named_modules()}
    missing = [t for t in targets if t not in names]
    if missing:
        raise BackboneError(f"the backbone has no module(s) named {missing} to put LoRA on")
    config = LoraConfig(r=rank, lora_alpha=alpha, target_modules=list(targets), lora_dropout=dropout, bias="none")
    return get_peft_model(model, config)


def adapter_id(state: Mapping[str, torch.Tensor]) -> str:
    """A content hash of adapter weights (names, shapes, float32 values): the adapter's identity."""
    h = hashlib.sha256()
    for name in sorted(state):
        t = state[name].detach().to(torch.float32).contiguous().cpu()
        h.update(name.encode())
        h.update(str(tuple(t.shape)).encode())
        h.update(t.numpy().tobytes())
    return h.hexdigest()[:16]


# -- finding and reading --------------------------------------------------------------------------


def is_adapter_id(text: Any) -> bool:
    """True for the form of an adapter id: 16 lowercase hex digits (see :func:`adapter_id`)."""
    return isinstance(text, str) and re.fullmatch(r"[0-9a-f]{16}", text) is not None


def default_adapter(model_id: str) -> str | None:
    """The id of the adapter a model loads with by default (shipped ``defaults.json``), or None."""
    f = SHIPPED_ADAPTERS / "defaults.json"
    try:
        table = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = table.get(model_id) if isinstance(table, dict) else None
    return value if isinstance(value, str) else None


def find_adapter(ref: str | Path) -> Path:
    """The directory of an adapter given as a path or as an id (``$TOKMEM_HOME`` first, then shipped)."""
    p = Path(ref).expanduser()
    try:
        if p.is_dir():
            return p
    except (OSError, ValueError):  # e.g. a name too long for the file system, a NUL byte
        pass
    text = str(ref)
    if is_adapter_id(text):
        for root in (adapters_dir(), SHIPPED_ADAPTERS):
            if (root / text / META_FILE).is_file():
                return root / text
    raise BackboneError(
        f"adapter {text[:80]!r} not found (looked for a directory, then in {adapters_dir()} and the shipped "
        "adapters); train one with `tokmem-agent adapt`"
    )


def read_adapter(ref: str | Path) -> Adapter:
    """Read and validate an adapter directory's metadata (the weights are checked when applied)."""
    from .backbone import Fingerprint

    path = find_adapter(ref)
    try:
        raw = json.loads((path / META_FILE).read_text(encoding="utf-8"))
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise ValueError(f"unsupported format {raw.get('format') if isinstance(raw, dict) else raw!r}")
        cfg = dict(raw["config"])
        cfg["targets"] = tuple(cfg["targets"])
        return Adapter(
            id=str(raw["id"]),
            path=path,
            base=Fingerprint.from_json(raw["base"], where=str(path / META_FILE)),
            config=AdaptConfig(**cfg),
            stats=dict(raw.get("stats") or {}),
        )
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise BackboneError(f"{path / META_FILE}: not a valid adapter ({e})") from None


def apply_adapter(model: Any, adapter: Adapter, base: "Fingerprint") -> None:
    """Merge ``adapter`` into ``model``'s weights in place (the model must be its base backbone)."""
    from peft import set_peft_model_state_dict
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    adapter.base.check(base, f"adapter {adapter.id}")
    try:
        state = load_file(str(adapter.path / WEIGHTS_FILE))
    except (OSError, SafetensorError) as e:
        raise BackboneError(f"{adapter.path / WEIGHTS_FILE}: unreadable adapter weights ({e})") from None
    if adapter_id(state) != adapter.id:
        raise BackboneError(f"{adapter.path}: the adapter weights do not match its id {adapter.id} (corrupt copy?)")
    c = adapter.config
    peft_model = attach_lora(model, c.rank, c.alpha, c.targets, c.dropout)
    result = set_peft_model_state_dict(peft_model, state)
    unexpected = list(getattr(result, "unexpected_keys", []) or [])
    if unexpected:
        peft_model.unload()
        raise BackboneError(f"{adapter.path}: adapter weights do not fit this backbone: {unexpected[:3]}")
    peft_model.merge_and_unload()
    model.requires_grad_(False)


# -- training -------------------------------------------------------------------------------------


def train_adapter(
    backbone: "Backbone",
    corpus: "AuxCorpus",
    config: AdaptConfig | None = None,
    progress: "Callable[[TrainProgress], None] | None" = None,
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Train LoRA weights jointly with temporary memory tokens on ``corpus``.

    Returns the LoRA state dict and training stats. ``backbone`` is left exactly as it was (the LoRA
    layers are removed again, base weights never change); the temporary tokens are discarded.
    """
    from peft import get_peft_model_state_dict

    from .lm import MemoryLM
    from .memory import init_vectors
    from .trainer import batch_loss, encode_example, optimise

    if backbone.fingerprint.adapter is not None:
        raise BackboneError("this backbone is already adapted; adapt the plain base model")
    config = config or AdaptConfig()
    specs = {s.name: s for s in corpus.specs}
    examples = [*corpus.examples, *corpus.compositional, *corpus.notool]
    if not specs or not examples:
        raise BackboneError("the auxiliary corpus is empty")
    token_index = {name: i for i, name in enumerate(specs)}
    encoded = [encode_example(backbone, e, token_index, specs) for e in examples]
    gen = torch.Generator().manual_seed(config.seed)
    torch.manual_seed(config.seed)
    emb = backbone.model.get_input_embeddings().weight
    rows = torch.nn.Parameter(init_vectors(emb, list(specs), backbone.tokenizer, "name", gen).to(backbone.device))
    peft_model = attach_lora(backbone.model, config.rank, config.alpha, config.targets, config.dropout)
    try:
        peft_model.eval()
        lora = [p for p in backbone.model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(
            [{"params": lora, "lr": config.lr}, {"params": [rows], "lr": config.memory_lr}], weight_decay=0.0
        )
        loop = loop_config(config)
        lm = MemoryLM(backbone, rows)
        pad = backbone.tokenizer.pad_token_id or 0
        run = optimise(lambda b: batch_loss(lm, b, pad), encoded, [*lora, rows], opt, loop, backbone.device, progress)
        state = {k: v.detach().to(torch.float32).cpu().clone() for k, v in get_peft_model_state_dict(peft_model).items()}
    finally:
        peft_model.unload()
        backbone.model.requires_grad_(False)
        backbone.model.eval()
    stats = {
        "tools": len(specs),
        "examples": len(examples),
        "epochs": config.epochs,
        "steps": run.steps,
        "seconds": round(run.seconds, 1),
        "final_loss": round(run.final_loss, 5),
        "trainable_parameters": sum(int(t.numel()) for t in state.values()),
        "temporary_tokens": len(specs),
        "threads": torch.get_num_threads(),  # a different count gives different weights
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    return state, stats


def save_adapter(
    state: Mapping[str, torch.Tensor],
    config: AdaptConfig,
    base: "Fingerprint",
    stats: Mapping[str, Any],
    root: Path | None = None,
) -> Adapter:
    """Write an adapter directory ``<root>/<id>`` atomically (staged, then renamed into place)."""
    from peft import LoraConfig
    from safetensors.torch import save_file

    ident = adapter_id(state)
    root = root if root is not None else adapters_dir()
    target = root / ident
    meta = {"format": FORMAT, "id": ident, "base": base.to_json(), "config": config.to_json(), "stats": dict(stats)}
    if (target / META_FILE).is_file():  # the same weights were saved before
        return read_adapter(target)
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-adapter-", dir=root))
    try:
        save_file({k: v.contiguous() for k, v in state.items()}, str(tmp / WEIGHTS_FILE))
        LoraConfig(
            r=config.rank, lora_alpha=config.alpha, target_modules=list(config.targets),
            lora_dropout=config.dropout, bias="none",
        ).save_pretrained(str(tmp))
        (tmp / META_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        tmp.rename(target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not (target / META_FILE).is_file():
            raise
    return read_adapter(target)


def adapt(
    backbone: "Backbone",
    corpus: "AuxCorpus | None" = None,
    config: AdaptConfig | None = None,
    progress: "Callable[[TrainProgress], None] | None" = None,
    root: Path | None = None,
) -> Adapter:
    """Train an adapter for ``backbone`` on ``corpus`` (default: the shipped auxiliary corpus) and save it."""
    config = config or AdaptConfig()
    if corpus is None:
        from .auxiliary import load_corpus

        corpus = load_corpus()
    state, stats = train_adapter(backbone, corpus, config, progress)
    return save_adapter(state, config, backbone.fingerprint, stats, root)


__all__ = [
    "Adapter",
    "adapt",
    "adapter_id",
    "adapters_dir",
    "apply_adapter",
    "attach_lora",
    "default_adapter",
    "find_adapter",
    "is_adapter_id",
    "read_adapter",
    "save_adapter",
    "train_adapter",
    "BackboneMismatchError",
]
