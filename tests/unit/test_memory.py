"""The memory bank on disk: format, validation of damaged files, portable tool files, locking and
atomic replacement. Banks here are hand-made (random rows), so no training is needed."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, Callable

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save as st_save

from _tiny import make_bank, make_tiny_model, tool_spec
from tokmem_agents import files
from tokmem_agents.bank import storage
from tokmem_agents.model.backbone import load_backbone
from tokmem_agents.model.fingerprint import Fingerprint
from tokmem_agents.config import FORMAT_VERSION, BankConfig
from tokmem_agents.errors import BackboneMismatchError, BankBusyError, BankError, UnknownToolError
from tokmem_agents.bank.memory import BANK_FILE, MEMORY_FILE, LearnedTool, MemoryBank, token_label
from tokmem_agents.training.init import init_vectors

REPO = Path(__file__).resolve().parents[2]
FP = Fingerprint("tiny-test", 64, 49152, "ab" * 32)


@pytest.fixture(scope="module")
def other_backbone(tiny_model_dir, tmp_path_factory):
    """A second tiny model: same shapes and tokenizer as ``tiny_backbone``, other random weights."""
    out = make_tiny_model(tmp_path_factory.mktemp("other-tiny"), tiny_model_dir, seed=1)
    return load_backbone(str(out), device="cpu")


def saved(tmp_path: Path, names=("alpha", "beta", "gamma"), **kw: Any) -> tuple[MemoryBank, Path]:
    bank = make_bank(FP, list(names), **kw)
    path = tmp_path / "bank"
    bank.save(path)
    return bank, path


def rewrite_memory(path: Path, mem: bytes) -> None:
    """Replace memory.safetensors and update bank.json's checksum, so only the tensor checks can object."""
    (path / MEMORY_FILE).write_bytes(mem)
    meta = json.loads((path / BANK_FILE).read_text())
    meta["memory_sha256"] = hashlib.sha256(mem).hexdigest()
    (path / BANK_FILE).write_text(json.dumps(meta))


def edit_meta(path: Path, fn: Callable[[dict[str, Any]], Any]) -> None:
    meta = json.loads((path / BANK_FILE).read_text())
    fn(meta)
    (path / BANK_FILE).write_text(json.dumps(meta))


def assert_same_bank(a: MemoryBank, b: MemoryBank) -> None:
    assert a.names == b.names
    assert torch.equal(a.input_vectors, b.input_vectors)
    assert (a.output_vectors is None) == (b.output_vectors is None)
    if a.output_vectors is not None:
        assert torch.equal(a.output_vectors, b.output_vectors)
    assert [t.spec for t in a.tools] == [t.spec for t in b.tools]
    assert [t.examples for t in a.tools] == [t.examples for t in b.tools]


# -- format ------------------------------------------------------------------------------------
def test_save_load_round_trip_is_exact(tmp_path: Path) -> None:
    bank, path = saved(tmp_path)
    again = MemoryBank.load(path, FP)
    assert_same_bank(bank, again)
    assert again.tools[1].stats == {"examples": 1, "final_loss": 0.5}
    assert again.revision == bank.revision
    assert again.config == BankConfig(coupled=True)
    assert sorted(p.name for p in path.iterdir()) == [BANK_FILE, MEMORY_FILE]


def test_bank_json_documents_the_bank(tmp_path: Path) -> None:
    _, path = saved(tmp_path)
    meta = json.loads((path / BANK_FILE).read_text())
    assert meta["format_version"] == FORMAT_VERSION == 1  # the format on disk: bumping it is a decision, not a refactor
    assert meta["backbone"] == FP.to_json()
    assert meta["config"] == {"coupled": True, "init": "name"}
    assert [t["name"] for t in meta["tools"]] == ["alpha", "beta", "gamma"]  # token order
    assert meta["tools"][0]["token"] == token_label("alpha") == "<|tool:alpha|>"
    assert meta["tools"][0]["spec"]["parameters"]["required"] == ["x"]
    assert meta["memory_sha256"] == hashlib.sha256((path / MEMORY_FILE).read_bytes()).hexdigest()


def test_memory_file_is_plain_safetensors_of_the_rows(tmp_path: Path) -> None:
    bank, path = saved(tmp_path)
    with safe_open(str(path / MEMORY_FILE), framework="pt") as f:
        assert list(f.keys()) == ["input"]
        assert torch.equal(f.get_tensor("input"), bank.input_vectors)
        assert f.metadata()["revision"] == bank.revision


def test_decoupled_bank_round_trip(tmp_path: Path) -> None:
    bank, path = saved(tmp_path, coupled=False)
    again = MemoryBank.load(path, FP)
    assert again.output_vectors is not None
    assert not torch.equal(again.output_vectors, again.input_vectors)
    assert_same_bank(bank, again)


def test_empty_bank_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "empty"
    MemoryBank(FP).save(path)
    again = MemoryBank.load(path, FP)
    assert len(again) == 0 and again.input_vectors.shape == (0, 64)


def test_saving_again_replaces_the_bank(tmp_path: Path) -> None:
    bank, path = saved(tmp_path)
    bank.forget("beta")
    bank.save(path)
    again = MemoryBank.load(path, FP)
    assert again.names == ["alpha", "gamma"]
    assert not list(tmp_path.glob(".bank.staging-*")) and not (tmp_path / ".bank.previous").exists()


# -- in-memory edits -----------------------------------------------------------------------------
def test_forget_keeps_other_rows_and_shifts_ids() -> None:
    bank = make_bank(FP, ["a", "b", "c"])
    rows = bank.input_vectors.clone()
    bank.forget("b")
    assert bank.names == ["a", "c"] and bank.index("c") == 1
    assert torch.equal(bank.input_vectors, rows[[0, 2]])
    with pytest.raises(UnknownToolError, match="'b' is not in this bank"):
        bank.forget("b")


def test_add_refuses_duplicates_and_wrong_shapes() -> None:
    bank = make_bank(FP, ["a"])
    before = bank.input_vectors.clone()
    with pytest.raises(BankError, match="already in the bank"):
        bank.add([LearnedTool(tool_spec("a"))], torch.zeros(1, 64))
    with pytest.raises(BankError, match=r"shape \(1, 63\), expected \(1, 64\)"):
        bank.add([LearnedTool(tool_spec("b"))], torch.zeros(1, 63))
    assert bank.names[0] == "a" and torch.equal(bank.input_vectors[:1], before)


def test_copy_is_independent() -> None:
    bank = make_bank(FP, ["a", "b"])
    other = bank.copy()
    other.forget("a")
    other.input_vectors.add_(1.0)
    assert bank.names == ["a", "b"]
    assert not torch.equal(bank.input_vectors[1], other.input_vectors[0])


# -- damaged bank directories ------------------------------------------------------------------
def _expect_bank_error(path: Path, *needles: str) -> str:
    with pytest.raises(BankError) as e:
        MemoryBank.load(path, FP)
    msg = str(e.value)
    assert "\n" not in msg and str(path) in msg, msg
    for n in needles:
        assert n in msg, msg
    return msg


def test_no_bank_at_all(tmp_path: Path) -> None:
    _expect_bank_error(tmp_path / "nope", "no bank here")


@pytest.mark.parametrize("missing", [BANK_FILE, MEMORY_FILE])
def test_missing_file(tmp_path: Path, missing: str) -> None:
    _, path = saved(tmp_path)
    (path / missing).unlink()
    _expect_bank_error(path, f"missing {missing}")


@pytest.mark.parametrize("keep", [0, 1, 10, 100, 1000])
def test_truncated_bank_json(tmp_path: Path, keep: int) -> None:
    _, path = saved(tmp_path)
    data = (path / BANK_FILE).read_bytes()
    (path / BANK_FILE).write_bytes(data[:keep])
    _expect_bank_error(path, BANK_FILE, "not valid JSON")


@pytest.mark.parametrize("keep", [0, 7, 8, 50, -1])
def test_truncated_memory_file(tmp_path: Path, keep: int) -> None:
    _, path = saved(tmp_path)
    data = (path / MEMORY_FILE).read_bytes()
    (path / MEMORY_FILE).write_bytes(data[:keep])
    _expect_bank_error(path, MEMORY_FILE, "does not match")


def test_every_single_bit_flip_in_the_memory_file_is_detected(tmp_path: Path) -> None:
    _, path = saved(tmp_path, names=("a",))
    good = (path / MEMORY_FILE).read_bytes()
    rng = random.Random(0)
    positions = list(range(0, len(good), max(1, len(good) // 40))) + [rng.randrange(len(good)) for _ in range(10)]
    for pos in positions:
        bad = bytearray(good)
        bad[pos] ^= 1 << rng.randrange(8)
        (path / MEMORY_FILE).write_bytes(bytes(bad))
        with pytest.raises(BankError, match="does not match"):
            MemoryBank.from_bytes((path / BANK_FILE).read_bytes(), bytes(bad), where=str(path))


def test_bit_flips_in_bank_json_never_crash(tmp_path: Path) -> None:
    """A flipped bit either breaks bank.json (BankError) or lands in free text; never a traceback."""
    bank, path = saved(tmp_path)
    good = (path / BANK_FILE).read_bytes()
    mem = (path / MEMORY_FILE).read_bytes()
    rng = random.Random(1)
    errors = 0
    for _ in range(300):
        bad = bytearray(good)
        bad[rng.randrange(len(bad))] ^= 1 << rng.randrange(8)
        try:
            got = MemoryBank.from_bytes(bytes(bad), mem, where="bank")
        except BankError as e:
            assert "\n" not in str(e)
            errors += 1
            continue
        assert got.input_vectors.shape == bank.input_vectors.shape
    assert errors > 50


@pytest.mark.parametrize(
    "edit, needles",
    [
        (lambda m: m.update(format_version=2), ("format_version 2 is not supported",)),
        (lambda m: m.pop("format_version"), ("format_version None",)),
        (lambda m: m.pop("revision"), ('missing field "revision"',)),
        (lambda m: m.pop("config"), ('missing field "config"',)),
        (lambda m: m.pop("backbone"), ('missing field "backbone"',)),
        (lambda m: m.pop("tools"), ('missing field "tools"',)),
        (lambda m: m.pop("memory_sha256"), ('missing field "memory_sha256"',)),
        (lambda m: m.update(tools={}), ('field "tools": expected a list',)),
        (lambda m: m.update(config={"coupled": "yes"}), ('field "config"',)),
        (lambda m: m.update(config={"init": "random"}), ('field "config"',)),
        (lambda m: m.update(config=[]), ('field "config"',)),
        (lambda m: m.update(backbone="tiny"), ('field "backbone"',)),
        (lambda m: m.update(backbone={**FP.to_json(), "hidden_size": "64"}), ('field "backbone"',)),
        (lambda m: m["backbone"].pop("embedding_sha256"), ('field "backbone"',)),
        (lambda m: m["backbone"].update(colour="red"), ('field "backbone"',)),
        (lambda m: m["tools"].__setitem__(0, "alpha"), ("tools[0]: expected an object",)),
        (lambda m: m["tools"][0].update(spec={"name": "a b"}), ("corrupt tool entry", 'field "name"')),
        (lambda m: m["tools"][0].pop("spec"), ("corrupt tool entry",)),
        (lambda m: m["tools"][0].update(stats=[]), ('field "stats"',)),
        (lambda m: m["tools"][0].update(examples={}), ('field "examples"',)),
        (lambda m: m["tools"][0].update(examples=[{"query": ""}]), ("examples[0]",)),
        (lambda m: m["tools"][2].update(spec=m["tools"][0]["spec"]), ("two tools with the same name",)),
        (lambda m: m["tools"].pop(), ("shape (3, 64), expected (2, 64)",)),
    ],
)
def test_inconsistent_bank_json(tmp_path: Path, edit: Callable[[dict[str, Any]], Any], needles: tuple[str, ...]) -> None:
    _, path = saved(tmp_path)
    edit_meta(path, edit)
    _expect_bank_error(path, *needles)


@pytest.mark.parametrize(
    "content, needle",
    [
        (b"[1, 2]", "expected a JSON object"),
        (b"\xff\xfe{}", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, BANK_FILE),
        (b"null", "expected a JSON object"),
    ],
)
def test_garbage_bank_json(tmp_path: Path, content: bytes, needle: str) -> None:
    _, path = saved(tmp_path)
    (path / BANK_FILE).write_bytes(content)
    _expect_bank_error(path, needle)


def test_bank_json_is_a_directory(tmp_path: Path) -> None:
    _, path = saved(tmp_path)
    (path / BANK_FILE).unlink()
    (path / BANK_FILE).mkdir()
    _expect_bank_error(path, "cannot read")


def _tensors(bank: MemoryBank) -> dict[str, torch.Tensor]:
    return {"input": bank.input_vectors.clone()}


@pytest.mark.parametrize(
    "make, needles",
    [
        (lambda t: {"input": t["input"][:, :32].contiguous()}, ("shape (3, 32), expected (3, 64)",)),
        (lambda t: {"input": t["input"][:2].contiguous()}, ("shape (2, 64), expected (3, 64)",)),
        (lambda t: {"input": t["input"].reshape(-1).contiguous()}, ("shape (192,)",)),
        (lambda t: {"input": t["input"].to(torch.float16)}, ("dtype torch.float16, expected float32",)),
        (lambda t: {"input": t["input"].to(torch.float64)}, ("dtype torch.float64",)),
        (lambda t: {"input": t["input"].to(torch.int32)}, ("dtype torch.int32",)),
        (lambda t: {"rows": t["input"]}, ("holds tensors ['rows'], expected ['input']",)),
        (lambda t: {**t, "output": t["input"].clone()}, ("holds tensors ['input', 'output']",)),
        (lambda t: {}, ("holds tensors []",)),
        (lambda t: {"input": t["input"].index_fill(0, torch.tensor([1]), float("nan"))}, ("non-finite or absurdly large",)),
        (lambda t: {"input": t["input"].index_fill(0, torch.tensor([2]), float("inf"))}, ("non-finite or absurdly large",)),
        (lambda t: {"input": t["input"].index_fill(0, torch.tensor([0]), 1e30)}, ("non-finite or absurdly large",)),
        (lambda t: {"input": t["input"] * 1e5}, ("non-finite or absurdly large",)),
    ],
)
def test_wrong_tensors_with_a_matching_checksum(tmp_path: Path, make: Callable[..., dict[str, torch.Tensor]], needles: tuple[str, ...]) -> None:
    bank, path = saved(tmp_path)
    rewrite_memory(path, st_save(make(_tensors(bank))))
    _expect_bank_error(path, MEMORY_FILE, *needles)


def test_decoupled_bank_without_output_rows(tmp_path: Path) -> None:
    bank, path = saved(tmp_path, coupled=False)
    rewrite_memory(path, st_save({"input": bank.input_vectors.clone()}))
    _expect_bank_error(path, "expected ['input', 'output']")


@pytest.mark.parametrize(
    "mem",
    [
        b"\x00" * 8,
        struct.pack("<Q", 2**62) + b"{}",
        struct.pack("<Q", 10) + b"not json!!",
        struct.pack("<Q", 2) + b"[]",
        struct.pack("<Q", 60) + b'{"input":{"dtype":"F32","shape":[3,64],"data_offsets":[0,768]}}',
        struct.pack("<Q", 62) + b'{"input":{"dtype":"F32","shape":[3,64],"data_offsets":[0,99999]}}' + b"\0" * 768,
        b"hello",
    ],
)
def test_garbage_safetensors_with_a_matching_checksum(tmp_path: Path, mem: bytes) -> None:
    _, path = saved(tmp_path)
    rewrite_memory(path, mem)
    _expect_bank_error(path, MEMORY_FILE, "corrupt safetensors")


def test_load_on_another_backbone_is_a_clear_error(tmp_path: Path, tiny_backbone, other_backbone) -> None:
    bank = make_bank(tiny_backbone.fingerprint, ["alpha"])
    bank.save(tmp_path / "bank")
    assert MemoryBank.load(tmp_path / "bank", tiny_backbone.fingerprint).names == ["alpha"]
    with pytest.raises(BackboneMismatchError) as e:
        MemoryBank.load(tmp_path / "bank", other_backbone.fingerprint)
    msg = str(e.value)
    assert f"bank {tmp_path / 'bank'} was trained on backbone {tiny_backbone.model_id}" in msg
    assert f"the loaded backbone is {other_backbone.model_id}" in msg
    assert "--model" in msg and isinstance(e.value, BankError)


def test_same_weights_under_another_path_is_accepted(tmp_path: Path) -> None:
    _, path = saved(tmp_path)
    moved = Fingerprint("/elsewhere/tiny-test", FP.hidden_size, FP.vocab_size, FP.embedding_sha256)
    assert MemoryBank.load(path, moved).names == ["alpha", "beta", "gamma"]
    for other in (
        Fingerprint(FP.model_id, 64, 49152, "cd" * 32),
        Fingerprint(FP.model_id, 64, 49153, FP.embedding_sha256),
        Fingerprint(FP.model_id, 64, 49152, FP.embedding_sha256, adapter="lora-1"),
    ):
        with pytest.raises(BackboneMismatchError):
            MemoryBank.load(path, other)


# -- portable tool files ----------------------------------------------------------------------
def test_export_import_round_trip(tmp_path: Path, tiny_backbone) -> None:
    src = make_bank(tiny_backbone.fingerprint, ["alpha", "beta"])
    src.export_tool("beta", tmp_path / "beta.tool")
    dst = make_bank(tiny_backbone.fingerprint, ["gamma"], seed=5)
    gamma_row = dst.input_vectors[0].clone()
    assert dst.import_tool(tmp_path / "beta.tool") == "beta"
    assert dst.names == ["gamma", "beta"]
    assert torch.equal(dst.input_vectors[1], src.input_vectors[1])
    assert torch.equal(dst.input_vectors[0], gamma_row)
    assert dst.tool("beta") == src.tool("beta")  # spec, stats and stored examples travel along


def test_export_is_a_single_file_and_unknown_tool_is_refused(tmp_path: Path) -> None:
    bank = make_bank(FP, ["alpha"])
    bank.export_tool("alpha", tmp_path / "out" / "alpha.tool")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["alpha.tool"]
    with pytest.raises(UnknownToolError):
        bank.export_tool("nope", tmp_path / "nope.tool")


def test_import_refused_on_another_backbone(tmp_path: Path, tiny_backbone, other_backbone) -> None:
    make_bank(tiny_backbone.fingerprint, ["alpha"]).export_tool("alpha", tmp_path / "a.tool")
    dst = make_bank(other_backbone.fingerprint, ["gamma"])
    with pytest.raises(BackboneMismatchError, match=r"tool file .*a\.tool was trained on backbone"):
        dst.import_tool(tmp_path / "a.tool")
    assert dst.names == ["gamma"]


def test_import_existing_tool_needs_replace(tmp_path: Path) -> None:
    src = make_bank(FP, ["alpha"], seed=1)
    src.export_tool("alpha", tmp_path / "a.tool")
    dst = make_bank(FP, ["alpha", "beta"], seed=2)
    with pytest.raises(BankError, match="already in the bank"):
        dst.import_tool(tmp_path / "a.tool")
    assert dst.import_tool(tmp_path / "a.tool", replace_existing=True) == "alpha"
    assert dst.names == ["beta", "alpha"]
    assert torch.equal(dst.input_vectors[1], src.input_vectors[0])


def test_import_coupled_tool_into_decoupled_bank_is_refused(tmp_path: Path) -> None:
    make_bank(FP, ["alpha"]).export_tool("alpha", tmp_path / "a.tool")
    dst = make_bank(FP, ["beta"], coupled=False)
    with pytest.raises(BankError, match="coupled"):
        dst.import_tool(tmp_path / "a.tool")
    make_bank(FP, ["gamma"], coupled=False).export_tool("gamma", tmp_path / "g.tool")
    assert dst.import_tool(tmp_path / "g.tool") == "gamma"
    assert dst.output_vectors is not None and dst.output_vectors.shape == (2, 64)


def _tool_file(tmp_path: Path) -> Path:
    make_bank(FP, ["alpha"]).export_tool("alpha", tmp_path / "a.tool")
    return tmp_path / "a.tool"


def _expect_tool_error(file: Path, *needles: str) -> None:
    bank = make_bank(FP, ["beta"])
    with pytest.raises(BankError) as e:
        bank.import_tool(file)
    assert str(file) in str(e.value) and "\n" not in str(e.value)
    for n in needles:
        assert n in str(e.value)
    assert bank.names == ["beta"]


def test_tool_file_missing_truncated_or_not_a_tool(tmp_path: Path) -> None:
    _expect_tool_error(tmp_path / "none.tool", "no such file")
    good = _tool_file(tmp_path).read_bytes()
    for keep in (0, 5, 8, 40, len(good) // 2, len(good) - 1):
        (tmp_path / "t.tool").write_bytes(good[:keep])
        _expect_tool_error(tmp_path / "t.tool")
    _, path = saved(tmp_path)
    _expect_tool_error(path / MEMORY_FILE, "not an exported tokmem tool")  # a bank's tensor file
    _expect_tool_error(path / BANK_FILE)


def _meta_file(tmp_path: Path, meta: dict[str, str], tensors: dict[str, torch.Tensor] | None = None) -> Path:
    f = tmp_path / "crafted.tool"
    f.write_bytes(st_save(tensors if tensors is not None else {"input": torch.zeros(1, 64)}, metadata=meta))
    return f


def test_crafted_tool_files(tmp_path: Path) -> None:
    good = _tool_file(tmp_path)
    with safe_open(str(good), framework="pt") as f:
        meta = dict(f.metadata())
    _expect_tool_error(_meta_file(tmp_path, {**meta, "tool": "{"}), "corrupt tool metadata")
    _expect_tool_error(_meta_file(tmp_path, {k: v for k, v in meta.items() if k != "backbone"}), "corrupt tool metadata")
    _expect_tool_error(_meta_file(tmp_path, {**meta, "format_version": "9"}), "not an exported tokmem tool")
    _expect_tool_error(_meta_file(tmp_path, {**meta, "tool": json.dumps({"spec": {"name": "bad name"}})}), 'field "name"')
    _expect_tool_error(_meta_file(tmp_path, meta, {"input": torch.zeros(2, 64)}), "shape (2, 64), expected (1, 64)")
    _expect_tool_error(_meta_file(tmp_path, meta, {"input": torch.full((1, 64), 1e20)}), "absurdly large")
    _expect_tool_error(_meta_file(tmp_path, meta, {"input": torch.zeros(1, 64, dtype=torch.float16)}), "dtype")


def test_tool_file_with_non_string_metadata_is_a_bank_error(tmp_path: Path) -> None:
    header = json.dumps(
        {"__metadata__": {"kind": "tokmem-tool", "format_version": str(FORMAT_VERSION), "tool": 5, "backbone": 5, "config": 5},
         "input": {"dtype": "F32", "shape": [1, 64], "data_offsets": [0, 256]}}
    ).encode()
    f = tmp_path / "odd.tool"
    f.write_bytes(struct.pack("<Q", len(header)) + header + b"\0" * 256)
    _expect_tool_error(f)


def test_bit_flips_in_a_tool_file_are_detected(tmp_path: Path) -> None:
    """A flipped bit in a shared tool file must not silently change the learned vector."""
    good = _tool_file(tmp_path).read_bytes()
    rng = random.Random(2)
    header_len = 8 + int.from_bytes(good[:8], "little")
    for _ in range(60):
        pos = rng.randrange(header_len, len(good))  # in the vector bytes
        bad = bytearray(good)
        bad[pos] ^= 1 << rng.randrange(8)
        (tmp_path / "flip.tool").write_bytes(bytes(bad))
        _expect_tool_error(tmp_path / "flip.tool")


# -- init ----------------------------------------------------------------------------------------
def test_init_methods(tiny_backbone) -> None:
    emb = tiny_backbone.model.get_input_embeddings().weight
    tok = tiny_backbone.tokenizer
    names = ["get_weather", "send.email", "x"]
    g = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    by_name = init_vectors(emb, names, tok, "name", g())
    ids = tok("get weather", add_special_tokens=False)["input_ids"]
    assert torch.allclose(by_name[0], emb[ids].float().mean(0))
    mean = init_vectors(emb, names, tok, "mean", g())
    std = emb.float().std(0)
    assert ((mean - emb.float().mean(0)).abs() / std).max() < 0.2  # the mean plus 2%-of-std noise
    assert not torch.equal(mean[0], mean[1])
    orth = init_vectors(emb, names, tok, "orthogonal", g())
    gram = orth @ orth.T
    assert torch.allclose(gram - torch.diag(gram.diag()), torch.zeros(3, 3), atol=1e-4)
    assert torch.allclose(orth.norm(dim=1), emb.float().norm(dim=1).mean().expand(3), rtol=1e-4)
    assert torch.equal(orth, init_vectors(emb, names, tok, "orthogonal", g()))
    for m in ("name", "mean", "orthogonal"):
        assert init_vectors(emb, [], tok, m, g()).shape == (0, 64)
    with pytest.raises(ValueError):
        init_vectors(emb, names, tok, "random", g())


# -- the writer lock and atomic replacement --------------------------------------------------------
def _python(script: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


HOLD_LOCK = """
import sys, time
from pathlib import Path
from tokmem_agents.bank.storage import writer_lock
with writer_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_writer_lock_excludes_a_second_process(tmp_path: Path) -> None:
    target = tmp_path / "bank"
    holder = _python(HOLD_LOCK, str(target), "1.5")
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        t0 = time.perf_counter()  # the holder keeps the lock 1.5 s from about now
        with pytest.raises(BankBusyError, match="bank is busy"):
            with storage.writer_lock(target, timeout=0.3):
                pass
        assert time.perf_counter() - t0 >= 0.25
        with storage.writer_lock(target, timeout=30):  # waits for the holder to finish
            assert time.perf_counter() - t0 >= 1.3, "got the lock while another process held it"
    finally:
        holder.kill()
        holder.wait()
    assert BankBusyError.exit_code != 2  # busy is a runtime failure, not bad input


ADD_TOOLS = """
import sys, torch
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from _tiny import make_bank
from tokmem_agents.model.fingerprint import Fingerprint
from tokmem_agents.bank.memory import MemoryBank
from tokmem_agents.bank.storage import writer_lock
fp = Fingerprint("tiny-test", 64, 49152, "ab" * 32)
path, prefix = Path(sys.argv[1]), sys.argv[2]
for i in range(6):
    with writer_lock(path, timeout=60):
        bank = MemoryBank.load(path, fp) if (path / "bank.json").exists() else MemoryBank(fp)
        new = make_bank(fp, [f"{prefix}{i}"], seed=i, coupled=False)
        bank.add(new.tools, new.input_vectors, new.output_vectors)
        bank.save(path)
print("done", flush=True)
"""


def test_two_writer_processes_lose_no_tool(tmp_path: Path) -> None:
    path = tmp_path / "bank"
    procs = [_python(ADD_TOOLS, str(path), p, str(Path(__file__).parent)) for p in ("a", "b")]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    bank = MemoryBank.load(path, FP)
    assert sorted(bank.names) == sorted([f"a{i}" for i in range(6)] + [f"b{i}" for i in range(6)])
    for name in bank.names:  # each row is still the one its writer made
        assert torch.equal(bank.input_vectors[bank.index(name)], make_bank(FP, [name], seed=int(name[1:])).input_vectors[0])


SAVE_FOREVER = """
import sys, torch
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from _tiny import make_bank
from tokmem_agents.model.fingerprint import Fingerprint
from tokmem_agents.bank.storage import writer_lock
fp = Fingerprint("tiny-test", 64, 49152, "ab" * 32)
path = Path(sys.argv[1])
banks = [make_bank(fp, ["old1", "old2"], seed=1), make_bank(fp, ["new1", "new2", "new3"], seed=2)]
print("ready", flush=True)
i = 0
while True:
    with writer_lock(path):
        banks[i % 2].save(path)
    i += 1
"""


def test_readers_and_sigkill_see_the_old_or_the_new_bank(tmp_path: Path) -> None:
    path = tmp_path / "bank"
    old = make_bank(FP, ["old1", "old2"], seed=1)
    new = make_bank(FP, ["new1", "new2", "new3"], seed=2)
    old.save(path)
    rng = random.Random(0)
    loads = 0
    for trial in range(2):
        writer = _python(SAVE_FOREVER, str(path), str(Path(__file__).parent))
        try:
            assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
            deadline = time.perf_counter() + 0.3 + rng.random()
            while time.perf_counter() < deadline:  # a lock-free reader during the writes
                got = MemoryBank.load(path, FP)
                assert_same_bank(got, old if got.names == old.names else new)
                loads += 1
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait()
        # after the kill (maybe mid-save) the bank is whole, before and after recovery
        got = MemoryBank.load(path, FP)
        assert_same_bank(got, old if got.names == old.names else new)
        with storage.writer_lock(path, timeout=5):
            pass
        got = MemoryBank.load(path, FP)
        assert_same_bank(got, old if got.names == old.names else new)
        assert not list(tmp_path.glob(".bank.staging-*"))
    assert loads > 5


def test_failed_exchange_leaves_the_old_bank(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old, path = saved(tmp_path)

    def boom(a: Path, b: Path) -> bool:
        raise OSError(5, "I/O error", str(a))

    monkeypatch.setattr(files, "_libc_exchange", boom)
    with pytest.raises(OSError):
        make_bank(FP, ["other"]).save(path)
    assert_same_bank(MemoryBank.load(path, FP), old)
    assert not list(tmp_path.glob(".bank.staging-*"))


def test_crash_between_the_two_renames_is_recovered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without renameat2 the bank is moved aside first; a crash then must not lose it."""
    old, path = saved(tmp_path)
    monkeypatch.setattr(files, "_libc_exchange", lambda a, b: False)
    real_rename = os.rename
    calls = []

    def rename(a: Any, b: Any) -> None:
        calls.append((a, b))
        if len(calls) == 2:
            raise KeyboardInterrupt  # the process dies after moving the old bank aside
        real_rename(a, b)

    monkeypatch.setattr(files.os, "rename", rename)
    with pytest.raises(KeyboardInterrupt):
        make_bank(FP, ["other"]).save(path)
    monkeypatch.setattr(files.os, "rename", real_rename)
    assert not path.exists()
    assert_same_bank(MemoryBank.load(path, FP), old)  # readers fall back to the backup
    with storage.writer_lock(path):  # the next writer restores it
        pass
    assert path.is_dir() and not (tmp_path / ".bank.previous").exists()
    assert_same_bank(MemoryBank.load(path, FP), old)


def test_fallback_replace_without_renameat2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, path = saved(tmp_path)
    monkeypatch.setattr(files, "_libc_exchange", lambda a, b: False)
    new = make_bank(FP, ["n"])
    new.save(path)
    assert_same_bank(MemoryBank.load(path, FP), new)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bank"]


def test_atomic_write_bytes_keeps_old_content_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "a.tool"
    files.atomic_write_bytes(f, b"old")

    def fail(*a: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", fail)
    with pytest.raises(OSError):
        files.atomic_write_bytes(f, b"new")
    assert f.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.tool"]  # no temp file left behind


# -- stored (replay) examples stay encodable --------------------------------------------------------
def _combo_bank() -> MemoryBank:
    from tokmem_agents.bank.records import Example, ToolCall

    bank = make_bank(FP, ["a", "b"])
    combo = Example("use a then b", (ToolCall("a", {"x": "1"}), ToolCall("b", {"x": "2"})))
    bank.update_tool("b", examples=(*bank.tool("b").examples, combo))
    return bank


def test_forget_drops_stored_examples_that_call_the_forgotten_tool() -> None:
    bank = _combo_bank()
    bank.forget("a")
    assert [e.tool_names for e in bank.tool("b").examples] == [["b"]]


def test_reimport_keeps_stored_examples(tmp_path: Path) -> None:
    bank = _combo_bank()
    bank.export_tool("a", tmp_path / "a.tool")
    bank.import_tool(tmp_path / "a.tool", replace_existing=True)
    assert len(bank.tool("b").examples) == 2  # "a" is back, so "a then b" stays


def test_import_drops_stored_examples_calling_tools_the_bank_lacks(tmp_path: Path) -> None:
    _combo_bank().export_tool("b", tmp_path / "b.tool")
    dst = make_bank(FP, ["c"])
    dst.import_tool(tmp_path / "b.tool")
    assert [e.tool_names for e in dst.tool("b").examples] == [["b"]]
    full = make_bank(FP, ["a"])
    full.import_tool(tmp_path / "b.tool")
    assert len(full.tool("b").examples) == 2
