"""The adapter store: find, read, verify, merge and save the LoRA adapters of adapted backbones.

An adapter ("TokMem w/ adapt") is trained once per backbone (:mod:`tokmem_agents.training.adapt`),
then frozen; it is merged into the backbone's weights whenever that backbone is loaded with it, and
every tool a user learns still trains only its own memory vector. On disk an adapter is a directory
in peft's format (``adapter_config.json`` + ``adapter_model.safetensors``) plus
``tokmem-adapter.json`` (its id, the base backbone's fingerprint, the settings and the training
stats). Its id is a hash of its weights; banks learned on an adapted backbone record it in their
fingerprint. Trained adapters live under ``$TOKMEM_HOME/models/adapters``; shipped ones in the
package, with ``defaults.json`` naming the adapter a model loads with by default.
"""

from __future__ import annotations

import json
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import torch

from ..config import AdaptConfig, LoraSettings
from ..errors import BackboneError
from ..files import publish_dir, staging_dir
from ..home import model_cache_dir
from .fingerprint import Fingerprint, is_adapter_id, tensor_sha256

META_FILE = "tokmem-adapter.json"
WEIGHTS_FILE = "adapter_model.safetensors"
FORMAT = 1
SHIPPED_ADAPTERS = Path(__file__).parent.parent / "data" / "adapters"
"""Adapters shipped with the package; ``defaults.json`` there maps a model id to its default adapter."""
SHIPPED_DEFAULTS = SHIPPED_ADAPTERS / "defaults.json"


@dataclass(frozen=True)
class Adapter:
    """A trained, frozen LoRA adapter on disk."""

    id: str
    path: Path
    base: Fingerprint
    config: AdaptConfig
    stats: dict[str, Any] = field(default_factory=dict)


def adapters_dir() -> Path:
    """Where trained adapters are saved: ``$TOKMEM_HOME/models/adapters/<id>``."""
    return model_cache_dir() / "adapters"


def attach_lora(model: Any, shape: LoraSettings) -> Any:
    """Inject trainable peft LoRA layers into ``model`` in place; returns the ``PeftModel`` wrapper.

    Call ``.unload()`` on the result to restore the original modules (base weights untouched) or
    ``.merge_and_unload()`` to fold the adapter into them.
    """
    from peft import get_peft_model

    names = {n.rsplit(".", 1)[-1] for n, _ in model.named_modules()}
    missing = [t for t in shape.targets if t not in names]
    if missing:
        raise BackboneError(f"the backbone has no module(s) named {missing} to put LoRA on")
    with warnings.catch_warnings():  # peft asks transformers a deprecated question; nothing for our users to do
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        return get_peft_model(model, shape.peft_config())


def adapter_id(state: Mapping[str, torch.Tensor]) -> str:
    """A content hash of adapter weights (names, shapes, float32 values): the adapter's identity."""
    parts = ((name.encode() + str(tuple(state[name].shape)).encode(), state[name]) for name in sorted(state))
    return tensor_sha256(parts)[:16]


def default_adapter(model_id: str) -> str | None:
    """The id of the adapter a model loads with by default (shipped ``defaults.json``), or None."""
    f = SHIPPED_DEFAULTS
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
    path = find_adapter(ref)
    try:
        raw = json.loads((path / META_FILE).read_text(encoding="utf-8"))
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise ValueError(f"unsupported format {raw.get('format') if isinstance(raw, dict) else raw!r}")
        cfg = dict(raw["config"])
        cfg["targets"] = tuple(cfg["targets"])
        cfg.setdefault("paraphrases", False)  # adapters trained before these options existed
        cfg.setdefault("negatives", 0)
        cfg.setdefault("decision_weight", 1.0)
        return Adapter(
            id=str(raw["id"]),
            path=path,
            base=Fingerprint.from_json(raw["base"], where=str(path / META_FILE)),
            config=AdaptConfig(**cfg),
            stats=dict(raw.get("stats") or {}),
        )
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise BackboneError(f"{path / META_FILE}: not a valid adapter ({e})") from None


def apply_adapter(model: Any, adapter: Adapter, base: Fingerprint) -> None:
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
    peft_model = attach_lora(model, adapter.config)
    result = set_peft_model_state_dict(peft_model, state)
    unexpected = list(getattr(result, "unexpected_keys", []) or [])
    if unexpected:
        peft_model.unload()
        raise BackboneError(f"{adapter.path}: adapter weights do not fit this backbone: {unexpected[:3]}")
    peft_model.merge_and_unload()
    model.requires_grad_(False)


def save_adapter(
    state: Mapping[str, torch.Tensor],
    config: AdaptConfig,
    base: Fingerprint,
    stats: Mapping[str, Any],
    root: Path | None = None,
) -> Adapter:
    """Write an adapter directory ``<root>/<id>`` atomically (staged, then renamed into place)."""
    from safetensors.torch import save_file

    ident = adapter_id(state)
    root = root if root is not None else adapters_dir()
    target = root / ident
    meta = {"format": FORMAT, "id": ident, "base": base.to_json(), "config": config.to_json(), "stats": dict(stats)}
    if (target / META_FILE).is_file():  # the same weights were saved before
        return read_adapter(target)
    stage = staging_dir(target)
    try:
        save_file({k: v.contiguous() for k, v in state.items()}, str(stage / WEIGHTS_FILE))
        config.peft_config().save_pretrained(str(stage))
        (stage / META_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    publish_dir(stage, target)  # False: the same weights were published meanwhile
    return read_adapter(target)
