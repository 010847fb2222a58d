"""Issue 21 §1: ``--device``/``--dtype`` and what a bank's fingerprint covers across precisions.

Decision (see :mod:`tokmem_agents.model.fingerprint`): a bank learned on float32 weights and used on
the same weights in bf16/fp16 (or the other way round) loads with a logged warning; weights that match
at no precision are refused, and a refusal between dtypes says which ``--dtype`` to load.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import torch
from cli_support import learned_bank, one_error_line, run, short_decoding  # noqa: F401

from tokmem_agents import DecodeConfig, TokMem
from tokmem_agents.errors import BackboneError, BackboneMismatchError, BankError
from tokmem_agents.model.backbone import load_backbone
from tokmem_agents.model import fingerprint
from tokmem_agents.model.fingerprint import Fingerprint
from tokmem_agents.model.precision import default_device, resolve_device, weight_dtype


@pytest.mark.parametrize(
    ("given", "expected"),
    [(None, torch.float32), ("fp32", torch.float32), ("BF16", torch.bfloat16), ("bfloat16", torch.bfloat16),
     ("fp16", torch.float16), (torch.bfloat16, torch.bfloat16)],
)
def test_weight_dtypes_are_named_as_users_write_them(given: Any, expected: torch.dtype) -> None:
    assert weight_dtype(given) == expected


@pytest.mark.parametrize("given", ["fp8", "int8", "", torch.int8])
def test_other_dtypes_are_refused(given: Any) -> None:
    with pytest.raises(BackboneError, match="unsupported dtype"):
        weight_dtype(given)


def test_devices_are_checked_before_anything_loads() -> None:
    assert resolve_device("cpu") == torch.device("cpu") and resolve_device(None) == default_device()
    with pytest.raises(BackboneError, match="unknown device"):
        resolve_device("gpu0")
    with pytest.raises(BackboneError, match="unsupported device"):
        resolve_device("meta")
    if not torch.cuda.is_available():
        with pytest.raises(BackboneError, match="no CUDA device"):
            resolve_device("cuda")


def _fp(sha: str = "a" * 64, dtype: str = "float32", reduced: dict[str, str] | None = None) -> Fingerprint:
    return Fingerprint("m", 8, 16, sha, None, dtype, reduced or {})


@pytest.fixture(autouse=True)
def _fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fingerprint, "_WARNED", set())


def test_the_same_weights_at_another_precision_pass_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    fp32 = _fp(reduced={"bfloat16": "b" * 64, "float16": "c" * 64})
    bf16 = _fp("b" * 64, "bfloat16")
    with caplog.at_level(logging.WARNING):
        fp32.check(bf16, "bank X")  # learned at fp32, used at bf16
        fp32.check(bf16, "bank X")  # checked again (on open, by the decoder): said once
        bf16.check(fp32, "bank Y")  # learned at bf16, used at fp32
    assert [r.getMessage().split(" was ")[0] for r in caplog.records] == ["bank X", "bank Y"]
    assert "--dtype float32" in caplog.records[0].getMessage()
    caplog.clear()
    fp32.check(replace(fp32, model_id="other name"), "bank Z")  # the same weights, the same dtype: silent
    assert not caplog.records


def test_weights_that_match_at_no_precision_are_refused_naming_the_dtype() -> None:
    fp32 = _fp(reduced={"bfloat16": "b" * 64, "float16": "c" * 64})
    with pytest.raises(BackboneMismatchError, match="learned on float32 weights and these are bfloat16: load it with --dtype float32"):
        fp32.check(_fp("d" * 64, "bfloat16"), "bank")
    with pytest.raises(BackboneMismatchError, match="load it with --dtype bfloat16"):  # bf16 -> fp16: no common rounding
        _fp("b" * 64, "bfloat16").check(_fp("c" * 64, "float16"), "bank")
    with pytest.raises(BackboneMismatchError, match="the same --model"):
        fp32.check(_fp("e" * 64), "bank")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("dtype", "fp8", "dtype must be one of"), ("reduced_sha256", {"float32": "a" * 64}, "reduced_sha256"),
     ("reduced_sha256", {"bfloat16": "xyz"}, "reduced_sha256"), ("reduced_sha256", [], "reduced_sha256")],
)
def test_malformed_precision_fields_are_bank_errors(field: str, value: Any, message: str) -> None:
    raw = {**_fp().to_json(), field: value}
    with pytest.raises(BankError, match=message):
        Fingerprint.from_json(raw)


def test_fingerprints_written_before_the_precision_fields_read_as_float32() -> None:
    raw = _fp().to_json()
    del raw["dtype"], raw["reduced_sha256"]
    assert Fingerprint.from_json(raw) == _fp()


def test_a_float32_backbone_records_its_bf16_and_fp16_roundings(tiny_backbone: Any, tiny_model_dir: Path) -> None:
    fp = tiny_backbone.fingerprint
    assert fp.dtype == "float32" and set(fp.reduced_sha256) == {"bfloat16", "float16"}
    bf16 = load_backbone(str(tiny_model_dir), device="cpu", dtype="bf16")
    assert bf16.model.get_input_embeddings().weight.dtype == torch.bfloat16
    assert bf16.fingerprint.dtype == "bfloat16" and bf16.fingerprint.reduced_sha256 == {}
    assert bf16.fingerprint.embedding_sha256 == fp.reduced_sha256["bfloat16"]
    assert not fp.same_weights(bf16.fingerprint) and fp.same_weights_at_some_precision(bf16.fingerprint)


def test_a_bank_learned_at_fp32_decodes_on_bf16_weights_with_a_warning(
    learned_bank: Path, tiny_model_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        tm = TokMem.open(learned_bank, dtype="bf16", device="cpu")
    assert tm.backbone.model.get_input_embeddings().weight.dtype == torch.bfloat16
    assert any("learned on float32 weights" in r.getMessage() for r in caplog.records)
    res = tm.call("ping example.com", DecodeConfig(max_tokens_per_call=8, max_text_tokens=4))
    assert all(c.name in {"ping", "add_note"} for c in res.calls)
    assert TokMem.open(learned_bank).backbone.fingerprint.dtype == "float32"  # default: the bank's dtype


def test_a_bank_learned_on_bf16_weights_keeps_float32_rows_and_reopens_at_bf16(tiny_model_dir: Path, tmp_path: Path) -> None:
    from _tiny import tool_spec

    from tokmem_agents import TrainConfig

    spec = tool_spec("ping", "host", examples=[("ping example.com", "example.com"), ("is a.org up?", "a.org")])
    tm = TokMem.open(tmp_path / "bank", str(tiny_model_dir), adapter=None, dtype="bf16", device="cpu")
    tm.learn([spec], config=TrainConfig(augment=0, negative_share=0, synthesize=0, epochs=1, batch_size=2))
    assert tm.bank.input_vectors.dtype == torch.float32 and torch.isfinite(tm.bank.input_vectors).all()
    stored = json.loads((tmp_path / "bank" / "bank.json").read_text(encoding="utf-8"))["backbone"]
    assert stored["dtype"] == "bfloat16" and stored["reduced_sha256"] == {}
    assert TokMem.open(tmp_path / "bank").backbone.fingerprint.dtype == "bfloat16"  # the bank's dtype by default
    with pytest.raises(BackboneMismatchError, match="--dtype bfloat16"):
        TokMem.open(tmp_path / "bank", dtype="fp16")


def test_the_cli_takes_device_and_dtype_and_refuses_bad_ones(learned_bank: Path, short_decoding: None) -> None:
    res = run("call", "ping example.com", "--json", "--bank", learned_bank, "--dtype", "bf16", "--device", "cpu")
    assert res.exit_code == 0, res.stderr
    assert isinstance(json.loads(res.stdout), list) and res.stderr.count("learned on float32 weights") == 1  # said once
    fingerprint._WARNED.clear()
    res = run("--dtype", "bf16", "call", "ping example.com", "--json", "--bank", learned_bank)
    assert res.exit_code == 0 and "learned on float32 weights" in res.stderr  # a global option before the command
    res = run("call", "ping example.com", "--bank", learned_bank, "--dtype", "fp8")
    assert res.exit_code == 2 and "fp8" in res.stderr
    if not torch.cuda.is_available():
        res = run("call", "ping example.com", "--bank", learned_bank, "--device", "cuda")
        assert res.exit_code == 2 and "no CUDA device" in one_error_line(res)
    res = run("call", "ping example.com", "--bank", learned_bank, "--device", "tpu9")
    assert res.exit_code == 2 and "unknown device" in one_error_line(res)
