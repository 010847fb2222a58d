"""Reliability through the CLI (issue #9): fuzzed inputs, kill -9, Ctrl-C, concurrent writers, readers.

Every fuzzed case must end with exit code 2 (or 0 when the input happens to be valid), exactly one
``error:`` line on stderr, no traceback, and the bank directory byte for byte as it was. Signals and
concurrency use real ``tokmem-agent`` processes on the tiny model. The counts (fuzz cases, kill-9
trials, banks lost, concurrent trials, tools lost) are printed at the end of the pytest run and
written to ``$TOKMEM_RELIABILITY_REPORT`` (see ``tests/conftest.py``).

CI runs short variants; ``-m slow`` runs the long ones (many more fuzz cases and trials).
"""

from __future__ import annotations

import ast
import copy
import fcntl
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import traceback
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from safetensors.torch import save as st_save

from _reliability import record
from cli.app import main
from cli.learn_tool import validate_inputs
from cli_support import NOTE, PING, copy_bank, learned_bank, run, write_json, write_jsonl  # noqa: F401
from tokmem_agents.bank import storage
from tokmem_agents.bank.location import BankLocation
from tokmem_agents.bank.records import load_jsonl
from tokmem_agents.errors import TokMemError
from tokmem_agents.bank.memory import BANK_FILE, MEMORY_FILE, MemoryBank

REPO = Path(__file__).resolve().parents[2]
SLOW = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
QUICK = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
"""CI runs QUICK (a few seconds per target); the ``slow`` variants run SLOW."""


# --- running the CLI ------------------------------------------------------------------------------


def invoke(args: list[Any], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``main(argv)`` in-process as the console script would; an escaping exception is a traceback."""
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:  # noqa: BLE001 - this is exactly what the test must never see
        out, err = capsys.readouterr()
        return 1, out, err + "\nTraceback (escaped main):\n" + traceback.format_exc()
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under ``root`` with the sha256 of its bytes (proves nothing was written)."""
    if not root.exists():
        return {}
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        for p in sorted(root.rglob("*"))
    }


def expect(kind: str, code: int, err: str, expected: int, before: dict[str, str], after: dict[str, str]) -> None:
    """Count one fuzz case and check it: the exit code, one ``error:`` line, no traceback, no write."""
    record("fuzz_cases")
    record(f"fuzz_{kind}")
    lines = [line for line in err.splitlines() if line.strip()]
    if "Traceback" in err:
        record("tracebacks")
    if code != expected:
        record("bad_exits")
    if before != after:
        record("dirty_banks")
    assert "Traceback" not in err, err
    assert code == expected, f"exit {code}, expected {expected}: {err}"
    if expected == 2:
        assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert before == after, "the command changed files although it failed or only read"


def oracle(fn: Callable[[], Any]) -> tuple[bool, Any]:
    """(True, value) when the library accepts the input; (False, error) on a TokMemError."""
    try:
        return True, fn()
    except TokMemError as e:
        return False, e


# --- fuzzing helpers ------------------------------------------------------------------------------

_leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from([10**400, "", "x" * 5000, "\u2028", "\x00", -1, 0])
)
json_values = st.recursive(
    _leaf, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=10
)


def _paths(node: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every path (tuple of keys/indexes) into a JSON document, the root excluded."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for k, v in items:
        yield (*prefix, k)
        yield from _paths(v, (*prefix, k))


@st.composite
def mutated_doc(draw: st.DrawFn, base: Any) -> Any:
    """``base`` with 1-3 nodes replaced by random JSON or deleted."""
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = list(_paths(doc))
        if not paths:
            return draw(json_values)
        path = draw(st.sampled_from(paths))
        parent = doc
        for k in path[:-1]:
            parent = parent[k]
        if draw(st.booleans()):
            parent[path[-1]] = draw(json_values)
        elif isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent.pop(path[-1])
    return doc


@st.composite
def mutated_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` truncated, with one bit flipped, with random bytes inserted, or replaced by garbage."""
    op = draw(st.sampled_from(["truncate", "flip", "insert", "garbage"]))
    if op == "truncate":
        return data[: draw(st.integers(min_value=0, max_value=len(data) - 1))]
    if op == "flip":
        pos = draw(st.integers(min_value=0, max_value=len(data) - 1))
        return data[:pos] + bytes([data[pos] ^ (1 << draw(st.integers(0, 7)))]) + data[pos + 1 :]
    if op == "insert":
        pos = draw(st.integers(min_value=0, max_value=len(data)))
        return data[:pos] + draw(st.binary(min_size=1, max_size=8)) + data[pos:]
    return draw(st.binary(max_size=64))


EDGE_FILES = [b"", b"\xff\xfe\x00", b"[" * 100_000, b"{" * 50_000, b'{"name": 1e999}', b"null", b"[]", b"{}", b"NaN"]


def file_contents(base: Any) -> st.SearchStrategy[bytes]:
    """Contents of a file that should hold ``base`` (a JSON document), broken in many ways."""
    text = json.dumps(base).encode()
    return st.one_of(
        mutated_doc(base).map(lambda d: json.dumps(d).encode()),
        mutated_bytes(text),
        json_values.map(lambda d: json.dumps(d).encode()),
        st.sampled_from(EDGE_FILES),
    )


def jsonl_contents(rows: list[Any]) -> st.SearchStrategy[bytes]:
    """A JSONL file of ``rows`` with one row mutated, or the whole file broken at the byte level."""
    text = "".join(json.dumps(r) + "\n" for r in rows).encode()

    @st.composite
    def one_row(draw: st.DrawFn) -> bytes:
        i = draw(st.integers(min_value=0, max_value=len(rows) - 1))
        bad = draw(mutated_doc(rows[i]) | json_values)
        return "".join(json.dumps(bad if j == i else r) + "\n" for j, r in enumerate(rows)).encode()

    return st.one_of(one_row(), mutated_bytes(text), st.sampled_from([*EDGE_FILES, b"\n\n{\n", b'{"query": "a"}\n' * 3]))


# --- fuzz: spec files, --data files, eval files ---------------------------------------------------

WEATHER = {
    "name": "weather",
    "description": "Current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    "examples": [{"query": "weather in Paris", "arguments": {"city": "Paris"}}],
}
ROWS = [
    {"query": "ping example.com", "calls": [{"name": "ping", "arguments": {"host": "example.com"}}]},
    {"query": "ping a.org and note hi", "calls": [{"name": "ping", "arguments": {"host": "a.org"}}, {"name": "add_note", "arguments": {"text": "hi"}}]},
    {"query": "hello there", "calls": []},
]


@pytest.fixture(scope="module")
def fuzz_bank(learned_bank: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the learned bank (ping, add_note) that fuzzed commands must leave untouched."""
    return copy_bank(learned_bank, tmp_path_factory.mktemp("fuzz") / "bank")


def _spec_case(content: bytes, bank: Path, model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with tempfile.TemporaryDirectory() as d:
        spec = Path(d) / "spec.json"
        spec.write_bytes(content)
        ok, todo = oracle(lambda: validate_inputs(BankLocation.resolve(bank).load(), [spec], [], False)[2])
        assume(not ok or not todo)  # a valid spec with a new tool would train: not a fuzz case
        before = snapshot(bank.parent)
        code, _, err = invoke(["learn-tool", spec, "--bank", bank, "--model", model], capsys)
        expect("spec", code, err, 0 if ok else 2, before, snapshot(bank.parent))


def _data_case(content: bytes, bank: Path, model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with tempfile.TemporaryDirectory() as d:
        spec = write_json(Path(d) / "ping.json", PING)  # already learned: a valid run trains nothing
        data = Path(d) / "extra.jsonl"
        data.write_bytes(content)
        ok, _ = oracle(lambda: validate_inputs(BankLocation.resolve(bank).load(), [spec], [data], False))
        before = snapshot(bank.parent)
        code, _, err = invoke(["learn-tool", spec, "--data", data, "--bank", bank, "--model", model], capsys)
        expect("data", code, err, 0 if ok else 2, before, snapshot(bank.parent))


def _eval_case(content: bytes, bank: Path, model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with tempfile.TemporaryDirectory() as d:
        data = Path(d) / "eval.jsonl"
        data.write_bytes(content)
        ok, _ = oracle(lambda: load_jsonl(data))
        assume(not ok)  # a valid set would run the model: not a fuzz case
        before = snapshot(bank.parent)
        code, _, err = invoke(["eval", data, "--bank", bank, "--model", model], capsys)
        expect("eval_data", code, err, 2, before, snapshot(bank.parent))


SPEC_BASES = st.sampled_from([WEATHER, [WEATHER, NOTE], {"type": "function", "function": WEATHER}])


@QUICK
@given(data=st.data())
def test_fuzzed_spec_files(data: st.DataObject, fuzz_bank: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _spec_case(data.draw(SPEC_BASES.flatmap(file_contents)), fuzz_bank, tiny_model_dir, capsys)


@QUICK
@given(content=jsonl_contents(ROWS))
def test_fuzzed_data_files(content: bytes, fuzz_bank: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _data_case(content, fuzz_bank, tiny_model_dir, capsys)


@QUICK
@given(content=jsonl_contents(ROWS))
def test_fuzzed_eval_files(content: bytes, fuzz_bank: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _eval_case(content, fuzz_bank, tiny_model_dir, capsys)


@pytest.mark.slow
@SLOW
@given(data=st.data())
def test_fuzzed_spec_and_data_files_long(data: st.DataObject, fuzz_bank: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _spec_case(data.draw(SPEC_BASES.flatmap(file_contents)), fuzz_bank, tiny_model_dir, capsys)
    _data_case(data.draw(jsonl_contents(ROWS)), fuzz_bank, tiny_model_dir, capsys)
    _eval_case(data.draw(jsonl_contents(ROWS)), fuzz_bank, tiny_model_dir, capsys)


# --- fuzz: corrupted bank directories -------------------------------------------------------------

TENSOR_EDITS = st.one_of(
    st.tuples(st.just("shape"), st.integers(-2, 2), st.sampled_from([0, 1, -1, 64, -63])).filter(lambda t: t[1:] != (0, 0)),
    st.tuples(st.just("dtype"), st.sampled_from(["float16", "bfloat16", "float64", "int32", "int64", "uint8", "bool"]), st.just(0)),
    st.tuples(st.just("keys"), st.sampled_from(["none", "output", "renamed", "extra"]), st.just(0)),
    st.tuples(st.just("values"), st.sampled_from([float("nan"), float("inf"), -float("inf"), 1e30, -2e4, 1e4 + 1]), st.integers(0, 127)),
)
FINGERPRINT_EDITS = st.tuples(
    st.sampled_from(["model_id", "hidden_size", "vocab_size", "embedding_sha256", "adapter"]), json_values | st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
)


def _rewrite_tensors(bank: Path, tensors: dict[str, torch.Tensor]) -> None:
    """Replace memory.safetensors and update the checksum in bank.json, so only the tensors are wrong."""
    mem = st_save(tensors)
    (bank / MEMORY_FILE).write_bytes(mem)
    meta = json.loads((bank / BANK_FILE).read_text())
    meta["memory_sha256"] = hashlib.sha256(mem).hexdigest()
    (bank / BANK_FILE).write_text(json.dumps(meta))


def corrupt(bank: Path, how: tuple) -> None:
    """Apply one corruption to a bank directory (see :data:`BANK_CORRUPTIONS`)."""
    kind = how[0]
    if kind in ("bytes_json", "bytes_mem"):
        (bank / (BANK_FILE if kind == "bytes_json" else MEMORY_FILE)).write_bytes(how[1])
    elif kind == "json":
        (bank / BANK_FILE).write_text(json.dumps(how[1]))
    elif kind == "fingerprint":
        meta = json.loads((bank / BANK_FILE).read_text())
        meta["backbone"][how[1]] = how[2]
        (bank / BANK_FILE).write_text(json.dumps(meta))
    elif kind == "tensors":
        rows = MemoryBank.load(bank).input_vectors
        n, d = rows.shape
        what, arg, extra = how[1]
        if what == "shape":
            t = {"input": torch.randn(max(n + arg, 0), max(d + extra, 1))}
        elif what == "dtype":
            t = {"input": rows.to(getattr(torch, arg))}
        elif what == "keys":
            t = {"none": {}, "output": {"input": rows, "output": rows.clone()}, "renamed": {"inputs": rows}, "extra": {"input": rows, "junk": torch.zeros(1)}}[arg]
        else:
            r = rows.clone().flatten()
            r[extra % r.numel()] = arg
            t = {"input": r.view(n, d)}
        _rewrite_tensors(bank, t)
    elif kind == "remove":
        (bank / how[1]).unlink()
    elif kind == "directory":
        (bank / how[1]).unlink()
        (bank / how[1]).mkdir()


@st.composite
def bank_corruptions(draw: st.DrawFn, meta: dict[str, Any], mem: bytes) -> tuple:
    """One way of breaking a bank: truncation, bit flips, edited JSON, wrong tensors, wrong backbone."""
    kind = draw(st.sampled_from(["bytes_json", "bytes_mem", "json", "fingerprint", "tensors", "remove", "directory"]))
    if kind == "bytes_json":
        return (kind, draw(mutated_bytes(json.dumps(meta, indent=1).encode()) | st.sampled_from(EDGE_FILES)))
    if kind == "bytes_mem":
        return (kind, draw(mutated_bytes(mem)))
    if kind == "json":
        return (kind, draw(mutated_doc(meta)))
    if kind == "fingerprint":
        return (kind, *draw(FINGERPRINT_EDITS))
    if kind == "tensors":
        return (kind, draw(TENSOR_EDITS))
    return (kind, draw(st.sampled_from([BANK_FILE, MEMORY_FILE])))


def _bank_case(how: tuple, src: Path, model: Path, fingerprint: Any, capsys: pytest.CaptureFixture[str], commands: int) -> None:
    with tempfile.TemporaryDirectory() as d:
        bank = copy_bank(src, Path(d) / "bank")
        (bank / BANK_FILE).write_text((src / BANK_FILE).read_text())  # the exact bytes the edits start from
        corrupt(bank, how)
        listed, _ = oracle(lambda: MemoryBank.load(bank))
        usable, _ = oracle(lambda: MemoryBank.load(bank, fingerprint))
        before = snapshot(Path(d))
        code, _, err = invoke(["tools", "list", "--json", "--bank", bank], capsys)
        expect("bank_list", code, err, 0 if listed else 2, before, snapshot(Path(d)))
        if usable:  # still a whole bank on this backbone (e.g. a flipped bit in a description)
            return
        for args in [["call", "ping example.com", "--json"], ["eval", Path(d) / "eval.jsonl"]][:commands]:
            if args[0] == "eval":
                write_jsonl(Path(d) / "eval.jsonl", ROWS)
                before = snapshot(Path(d))
            code, _, err = invoke([*args, "--bank", bank, "--model", model], capsys)
            expect(f"bank_{args[0]}", code, err, 2, before, snapshot(Path(d)))


@pytest.fixture(scope="module")
def bank_files(learned_bank: Path) -> tuple[dict[str, Any], bytes]:
    return json.loads((learned_bank / BANK_FILE).read_text()), (learned_bank / MEMORY_FILE).read_bytes()


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fuzzed_bank_directories(data: st.DataObject, learned_bank: Path, bank_files: tuple, tiny_model_dir: Path, tiny_backbone: Any, capsys: pytest.CaptureFixture[str]) -> None:
    how = data.draw(bank_corruptions(*bank_files))
    _bank_case(how, learned_bank, tiny_model_dir, tiny_backbone.fingerprint, capsys, commands=1 if data.draw(st.booleans()) else 2)


@pytest.mark.slow
@SLOW
@given(data=st.data())
def test_fuzzed_bank_directories_long(data: st.DataObject, learned_bank: Path, bank_files: tuple, tiny_model_dir: Path, tiny_backbone: Any, capsys: pytest.CaptureFixture[str]) -> None:
    _bank_case(data.draw(bank_corruptions(*bank_files)), learned_bank, tiny_model_dir, tiny_backbone.fingerprint, capsys, commands=2)


@pytest.mark.parametrize("name", [BANK_FILE, MEMORY_FILE])
def test_unreadable_bank_file_is_exit_2(name: str, learned_bank: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads files whatever their mode")
    bank = copy_bank(learned_bank, tmp_path / "bank")
    (bank / name).chmod(0)
    before = snapshot(tmp_path)
    code, _, err = invoke(["tools", "list", "--bank", bank], capsys)
    expect("bank_list", code, err, 2, before, snapshot(tmp_path))


# --- fuzz: bad command lines ----------------------------------------------------------------------

def _not_int(s: str) -> bool:
    try:
        int(s)
    except ValueError:
        return True
    return False


def _not_positive_finite(s: str) -> bool:
    try:
        x = float(s)
    except ValueError:
        return True
    return not (x > 0 and x < float("inf"))


_word = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00-"), min_size=0, max_size=10)
KNOWN = {"--bank", "--model", "--debug", "--help", "-h", "--json", "--data", "--epochs", "--lr", "--replay", "--no-replay",
         "--retrain", "--execute", "--no-constrain", "--method", "--limit", "--k", "--replace", "--yes"}


@st.composite
def bad_argv(draw: st.DrawFn) -> list[str]:
    """A command line with exactly one defect (unknown option, bad number, bad choice, missing or extra argument)."""
    home_bank = ["--bank", "no-such-bank-dir"]
    defect = draw(st.sampled_from(["unknown_option", "bad_int", "bad_lr", "bad_method", "missing", "extra", "command"]))
    if defect == "unknown_option":
        cmd = draw(st.sampled_from([["learn-tool", "x.json"], ["call", "hi"], ["eval", "d.jsonl"], ["tools", "list"], ["tools", "show", "x"]]))
        opt = "--" + draw(st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True).filter(lambda o: "--" + o not in KNOWN))
        return [*cmd, opt, *home_bank]
    if defect == "bad_int":
        opt, cmd = draw(st.sampled_from([("--epochs", ["learn-tool", "x.json"]), ("--limit", ["eval", "d.jsonl"]), ("--k", ["eval", "d.jsonl"])]))
        value = draw(_word.filter(_not_int) | st.integers(max_value=0).map(str))
        return [*cmd, opt, value, *home_bank]
    if defect == "bad_lr":
        value = draw(_word.filter(_not_positive_finite) | st.sampled_from(["0", "-1e-3", "nan", "inf", "-inf", "1e999"]))
        return ["learn-tool", "x.json", "--lr", value, *home_bank]
    if defect == "bad_method":
        value = draw(_word.filter(lambda w: w not in ("tokmem", "icl", "rag")))
        return ["eval", "d.jsonl", "--method", value, *home_bank]
    if defect == "missing":
        return draw(st.sampled_from([["learn-tool"], ["call"], ["eval"], ["tools", "show"], ["tools", "forget"], ["tools", "export", "x"], ["tools", "import"], ["learn-tool", "x.json", "--data"], ["call", "q", "--bank"]]))
    if defect == "extra":
        cmd = draw(st.sampled_from([["tools", "list"], ["call", "q"], ["tools", "show", "x"], ["eval", "d.jsonl"]]))
        return [*cmd, draw(_word.filter(lambda w: w != "")), *home_bank]
    return [draw(st.from_regex(r"[a-z][a-z-]{0,12}", fullmatch=True).filter(lambda c: c not in ("learn-tool", "call", "chat", "eval", "tools")))]


def _argv_case(argv: list[str], tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cwd = os.getcwd()
    os.chdir(tmp)  # relative bank and file names land in an empty folder
    try:
        before = snapshot(tmp)
        code, _, err = invoke(argv, capsys)
        expect("argv", code, err, 2, before, snapshot(tmp))
    finally:
        os.chdir(cwd)


@QUICK
@given(argv=bad_argv())
def test_fuzzed_command_lines(argv: list[str], tmp_path_factory: pytest.TempPathFactory, tokmem_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _argv_case(argv, tmp_path_factory.mktemp("argv"), capsys)


@pytest.mark.slow
@SLOW
@given(argv=bad_argv())
def test_fuzzed_command_lines_long(argv: list[str], tmp_path_factory: pytest.TempPathFactory, tokmem_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _argv_case(argv, tmp_path_factory.mktemp("argv"), capsys)


def test_divergent_training_never_saves_an_unloadable_bank(
    learned_bank: Path, tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Vectors that blew up in training must not replace a good bank with one that can never load again."""
    import tokmem_agents.tokmem as tokmem
    from tokmem_agents.bank.memory import LearnedTool
    from tokmem_agents.training.trainer import TrainStats

    def diverged(backbone, bank, specs, extra, config, progress):  # type: ignore[no-untyped-def]
        nan = torch.full((len(specs), bank.fingerprint.hidden_size), float("nan"))
        bank.add([LearnedTool(s) for s in specs], nan, None if bank.config.coupled else nan.clone())
        return TrainStats([s.name for s in specs], 1, 1, 0.1, float("nan"))

    monkeypatch.setattr(tokmem, "learn", diverged)
    bank = copy_bank(learned_bank, tmp_path / "bank")
    spec = write_json(tmp_path / "w.json", WEATHER)
    before = snapshot(tmp_path)
    code, _, err = invoke(["learn-tool", spec, "--bank", bank, "--model", tiny_model_dir, "--epochs", "1"], capsys)
    after = {k: v for k, v in snapshot(tmp_path).items() if k != ".bank.lock"}
    expect("diverged", code, err, 2, before, after)
    assert "refusing to save" in err and "weather" in err and "--lr" in err
    assert MemoryBank.load(bank).names == ["ping", "add_note"]
    code, _, err = invoke(["learn-tool", spec, "--bank", bank, "--lr", "inf"], capsys)  # refused before any training
    expect("argv", code, err, 2, after, {k: v for k, v in snapshot(tmp_path).items() if k != ".bank.lock"})
    assert "--lr" in err


# --- real processes: kill -9, Ctrl-C, concurrent writers, readers during writes --------------------

LAUNCH = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "  # even if our parent ignores SIGINT
    "sys.argv[0] = 'tokmem-agent'; from cli.app import main; main()"
)


def cli_process(args: list[Any], home: Path) -> subprocess.Popen[str]:
    """``tokmem-agent ARGS`` as a real process (the console script's ``main``)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", "TOKMEM_HOME": str(home)}
    env.pop("TOKMEM_DEBUG", None)
    return subprocess.Popen(
        [sys.executable, "-c", LAUNCH, *map(str, args)], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def lock_held(bank: Path) -> bool:
    """True while some process holds the writer lock of ``bank`` (a non-blocking flock probe)."""
    path = storage.lock_path(bank)
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing releases a probe that won
    return False


def saving(bank: Path) -> bool:
    """True while a writer has a staging directory beside the bank (it is inside ``MemoryBank.save``)."""
    return any(n.startswith(f".{bank.name}.staging-") for n in os.listdir(bank.parent))


def wait_for(predicate: Callable[[], bool], proc: subprocess.Popen[str], timeout: float = 120, poll: float = 0.005) -> bool:
    """Wait until ``predicate`` holds (True) or ``proc`` ends (False)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        if proc.poll() is not None:
            return False
        if poll:
            time.sleep(poll)
    raise AssertionError("timed out waiting for the learn-tool process")


def many_examples(name: str, n: int) -> dict[str, Any]:
    """A one-argument tool with ``n`` examples (enough to train for about a second on the tiny model)."""
    return {
        "name": name,
        "description": f"Look up the {name} of a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        "examples": [{"query": f"what is the {name} in city number {i}?", "arguments": {"city": f"city {i}"}} for i in range(n)],
    }


def check_whole(bank: Path, old: MemoryBank, new: list[str]) -> str:
    """The bank holds exactly the old tools (rows bit-identical) or exactly old + ``new``; "old" or "new"."""
    for attempt in ("lock-free", "after recovery"):
        got = MemoryBank.load(bank)
        assert got.names in (old.names, old.names + new), f"{attempt}: {got.names}"
        assert torch.equal(got.input_vectors[: len(old)], old.input_vectors), f"{attempt}: old rows changed"
        res = run("tools", "list", "--json", "--bank", bank)  # what a user's next command sees
        assert res.exit_code == 0, res.stderr
        assert [t["name"] for t in json.loads(res.stdout)] == got.names
        with storage.writer_lock(bank, timeout=10):  # the next writer finishes or undoes a cut save
            pass
    assert not [p for p in bank.parent.iterdir() if p.name.startswith(f".{bank.name}.") and p.name != f".{bank.name}.lock"]
    return "new" if got.names != old.names else "old"


def kill_trials(n: int, learned_bank: Path, tiny_model_dir: Path, tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    old = MemoryBank.load(learned_bank)
    spec = write_json(tmp_path / "weather.json", many_examples("weather", 60))
    kinds = ["training", "saving", "anywhere"]
    for trial in range(n):
        kind = kinds[trial % 3]
        bank = copy_bank(learned_bank, tmp_path / f"t{trial}" / "bank")
        proc = cli_process(["learn-tool", spec, "--bank", bank, "--model", tiny_model_dir, "--epochs", 2], tmp_path / "home")
        try:
            if kind == "training":
                wait_for(lambda: lock_held(bank), proc) and time.sleep(rng.uniform(0.0, 0.8))
            elif kind == "saving":
                wait_for(lambda: saving(bank), proc, poll=0) and time.sleep(rng.uniform(0.0, 0.002))
            else:
                time.sleep(rng.uniform(0.0, 5.0))
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
            _, err = proc.communicate(timeout=120)
        if proc.returncode != -signal.SIGKILL:
            assert proc.returncode == 0, err
            record("kill9_finished_first")
            check_whole(bank, old, ["weather"])
            continue
        record("kill9_trials")
        record(f"kill9_during_{kind}")
        try:
            outcome = check_whole(bank, old, ["weather"])
        except Exception:
            record("kill9_banks_lost")
            raise
        record(f"kill9_kept_{outcome}")
    # a killed bank is fully usable: the next learn-tool completes
    res = run("learn-tool", spec, "--bank", bank, "--model", tiny_model_dir, "--epochs", 1)
    assert res.exit_code == 0, res.output
    assert MemoryBank.load(bank).names == old.names + ["weather"]


def test_kill_9_during_training_and_saving_never_loses_the_bank(learned_bank: Path, tiny_model_dir: Path, tmp_path: Path) -> None:
    kill_trials(5, learned_bank, tiny_model_dir, tmp_path, seed=0)


@pytest.mark.slow
def test_kill_9_many_trials(learned_bank: Path, tiny_model_dir: Path, tmp_path: Path) -> None:
    kill_trials(45, learned_bank, tiny_model_dir, tmp_path, seed=1)


def test_ctrl_c_during_training_stops_cleanly(learned_bank: Path, tiny_model_dir: Path, tmp_path: Path) -> None:
    bank = copy_bank(learned_bank, tmp_path / "bank")
    before = snapshot(bank)
    spec = write_json(tmp_path / "weather.json", many_examples("weather", 120))
    proc = cli_process(["learn-tool", spec, "--bank", bank, "--model", tiny_model_dir, "--epochs", 3], tmp_path / "home")
    try:
        assert wait_for(lambda: lock_held(bank), proc), proc.communicate()
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, (out, err)
    assert [line for line in err.splitlines() if line.strip()] == ["error: interrupted; the bank was left unchanged"]
    assert snapshot(bank) == before
    assert not list(tmp_path.glob(".bank.staging-*")) and not (tmp_path / ".bank.previous").exists()
    with storage.writer_lock(bank, timeout=1):  # released
        pass


def concurrent_trials(n: int, writers: int, learned_bank: Path, tiny_model_dir: Path, tmp_path: Path) -> None:
    names = ["weather", "stock", "flight", "hotel"][:writers]
    old = MemoryBank.load(learned_bank)
    specs = [write_json(tmp_path / f"{name}.json", many_examples(name, 12)) for name in names]
    for trial in range(n):
        bank = copy_bank(learned_bank, tmp_path / f"t{trial}" / "bank")
        procs = [cli_process(["learn-tool", s, "--bank", bank, "--model", tiny_model_dir, "--epochs", 1], tmp_path / "home") for s in specs]
        results = [p.communicate(timeout=600) for p in procs]
        record("concurrent_trials")
        learned = []
        for name, p, (_, err) in zip(names, procs, results):
            if p.returncode == 0:
                learned.append(name)
            else:  # the only acceptable failure: a clear "bank is busy"
                assert p.returncode == 1 and "bank is busy" in err, err
                record("concurrent_busy")
        got = MemoryBank.load(bank)
        lost = set(learned) - set(got.names)
        record("concurrent_tools_lost", len(lost))
        assert not lost, f"tools lost: {lost}"
        assert got.names[: len(old)] == old.names and sorted(got.names[len(old) :]) == sorted(learned)
        assert torch.equal(got.input_vectors[: len(old)], old.input_vectors)


def test_two_concurrent_learn_tool_processes_lose_no_tool(learned_bank: Path, tiny_model_dir: Path, tmp_path: Path) -> None:
    concurrent_trials(1, 2, learned_bank, tiny_model_dir, tmp_path)


@pytest.mark.slow
def test_concurrent_learn_tool_processes_many_trials(learned_bank: Path, tiny_model_dir: Path, tmp_path: Path) -> None:
    concurrent_trials(6, 3, learned_bank, tiny_model_dir, tmp_path)


HOLD_LOCK = """
import sys, time
from pathlib import Path
from tokmem_agents.bank.storage import writer_lock
with writer_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_busy_bank_is_one_clear_line_and_changes_nothing(learned_bank: Path, tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import functools

    import tokmem_agents.tokmem as tokmem

    bank = copy_bank(learned_bank, tmp_path / "bank")
    before = snapshot(bank)
    monkeypatch.setattr(tokmem, "writer_lock", functools.partial(storage.writer_lock, timeout=0.3))
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(bank), "30"], env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        res = run("learn-tool", write_json(tmp_path / "w.json", WEATHER), "--bank", bank, "--model", tiny_model_dir, "--epochs", 1)
    finally:
        holder.kill()
        holder.wait()
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert res.exit_code == 1 and len(lines) == 1 and "bank is busy" in lines[0], res.stderr
    assert snapshot(bank) == before


SAVE_FOREVER = """
import sys
from pathlib import Path
from tokmem_agents.bank.memory import MemoryBank
from tokmem_agents.bank.storage import writer_lock
target = Path(sys.argv[1])
banks = [MemoryBank.load(sys.argv[2]), MemoryBank.load(sys.argv[3])]
print("ready", flush=True)
i = 0
while True:
    with writer_lock(target):
        banks[i % 2].save(target)
    i += 1
"""


def test_readers_never_see_a_half_written_bank(learned_bank: Path, tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`tools list` and `call` run again and again while another process keeps replacing the bank."""
    from _tiny import tool_spec
    from tokmem_agents.bank.memory import LearnedTool
    from tokmem_agents.config import DecodeConfig

    short = dict(max_text_tokens=2, max_tokens_per_call=4, max_calls=1)
    real = DecodeConfig.from_options.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(
        DecodeConfig, "from_options", classmethod(lambda cls, base=None, **o: real(cls, base if base is not None else cls(**short), **o))
    )
    old = MemoryBank.load(learned_bank)
    new = old.copy()
    d = old.fingerprint.hidden_size
    new.add([LearnedTool(tool_spec("extra"))], torch.randn(1, d), None if new.config.coupled else torch.randn(1, d))
    new.save(tmp_path / "new-src")
    bank = copy_bank(learned_bank, tmp_path / "bank")
    writer = subprocess.Popen(
        [sys.executable, "-c", SAVE_FOREVER, str(bank), str(learned_bank), str(tmp_path / "new-src")],
        env={**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    seen: set[tuple[str, ...]] = set()
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        end = time.monotonic() + 2.0
        reads = 0
        while time.monotonic() < end or reads < 20:
            res = run("tools", "list", "--json", "--bank", bank)
            record("reader_runs")
            assert res.exit_code == 0, res.stderr
            names = tuple(t["name"] for t in json.loads(res.stdout))
            assert names in (tuple(old.names), tuple(new.names))
            seen.add(names)
            reads += 1
        for _ in range(3):
            res = run("call", "ping example.com", "--json", "--bank", bank, "--model", tiny_model_dir)
            record("reader_runs")
            assert res.exit_code == 0, res.stderr
        assert writer.poll() is None, writer.communicate()
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    assert len(seen) == 2, "the writer should have been seen in both states"
    assert MemoryBank.load(bank).names in (old.names, new.names)


# --- no code execution from data anywhere in the package ------------------------------------------

BANNED_CALLS = {"eval", "exec", "compile", "__import__"}
BANNED_MODULES = {"pickle", "cPickle", "_pickle", "marshal", "shelve", "dill", "cloudpickle", "joblib"}


def code_execution_risks(source: str, filename: str) -> list[str]:
    """eval/exec/compile calls, pickle-family imports or names, torch.load without weights_only=True, shell=True."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        where = f"{filename}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id in BANNED_CALLS:
                found.append(f"{where}: {f.id}()")
            if isinstance(f, ast.Attribute) and f.attr in BANNED_CALLS and isinstance(f.value, ast.Name) and f.value.id == "builtins":
                found.append(f"{where}: builtins.{f.attr}()")
            if isinstance(f, ast.Attribute) and f.attr == "load" and isinstance(f.value, ast.Name) and f.value.id == "torch":
                if not any(k.arg == "weights_only" and isinstance(k.value, ast.Constant) and k.value.value is True for k in node.keywords):
                    found.append(f"{where}: torch.load without weights_only=True")
            for k in node.keywords:
                if k.arg in ("shell", "allow_pickle") and isinstance(k.value, ast.Constant) and k.value.value is True:
                    found.append(f"{where}: {k.arg}=True")
        elif isinstance(node, ast.Import):
            found += [f"{where}: import {a.name}" for a in node.names if a.name.split(".")[0] in BANNED_MODULES]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in BANNED_MODULES:
            found.append(f"{where}: from {node.module} import")
        elif isinstance(node, ast.Name) and node.id in BANNED_MODULES:
            found.append(f"{where}: {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in BANNED_MODULES:
            found.append(f"{where}: .{node.attr}")
    return found


def test_the_scanner_finds_what_it_looks_for() -> None:
    bad = textwrap.dedent(
        """
        import pickle, marshal
        from joblib import load
        eval("1"); exec("x = 1"); builtins.eval("2")
        torch.load("m.pt"); torch.load("m.pt", weights_only=False)
        subprocess.run("ls", shell=True); np.load("a.npy", allow_pickle=True)
        """
    )
    assert len(code_execution_risks(bad, "bad.py")) == 10
    fine = 'model.eval(); run_eval(x); re.compile("a"); torch.load("m.pt", weights_only=True)\n'
    assert code_execution_risks(fine, "fine.py") == []


def test_no_eval_exec_pickle_or_unsafe_torch_load_in_the_package() -> None:
    files = [p for d in ("tokmem_agents", "cli", "procedures") for p in sorted((REPO / d).rglob("*.py"))]
    assert len(files) > 20
    risks = [r for p in files for r in code_execution_risks(p.read_text(encoding="utf-8"), str(p.relative_to(REPO)))]
    assert risks == []


# --- procedures: the sandbox under fuzzed paths, procedures that raise anything -------------------

_path_parts = st.sampled_from(["..", ".", "", "a", "b.txt", "~", "/", "\\", "C:", "..\\..", "%2e%2e", "\u2025", "link", "link/x"])
fuzzed_paths = st.lists(_path_parts, min_size=1, max_size=6).map("/".join) | st.text(max_size=30)


def _sandbox_case(path: str, home: Path, outside: Path) -> None:
    from procedures.sandbox import resolve_path, sandbox_root
    from tokmem_agents.bank.records import ToolCall
    from tokmem_agents.errors import ProcedureError
    from tokmem_agents.registry import default_registry

    record("fuzz_cases")
    record("fuzz_sandbox_path")
    root = sandbox_root()
    try:
        target = resolve_path(path)
    except ProcedureError:
        target = None
    assert target is None or target == root or root in target.parents, f"{path!r} -> {target}"
    reg = default_registry(plugins=False)
    spec = parse_spec_cached()
    result = reg.execute(ToolCall("write_file", {"path": path, "content": "x"}), spec)
    assert result.ok or result.error, result
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"], "a write left the sandbox"
    assert (outside / "secret.txt").read_text() == "keep"


_WRITE_FILE_SPEC: list[Any] = []


def parse_spec_cached() -> Any:
    """The catalog's write_file spec (parsed once)."""
    if not _WRITE_FILE_SPEC:
        from tokmem_agents.bank.specs import load_spec_file

        for f in sorted((REPO / "tools").glob("*.json")):
            _WRITE_FILE_SPEC.extend(s for s in load_spec_file(f) if s.name == "write_file")
    return _WRITE_FILE_SPEC[0]


@pytest.fixture()
def sandbox_with_escape_hatch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """TOKMEM_HOME with a sandbox holding a symlink ``link`` to a folder outside it."""
    home = tmp_path / "home"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("keep")
    monkeypatch.setenv("TOKMEM_HOME", str(home))
    from procedures.sandbox import sandbox_root

    (sandbox_root() / "link").symlink_to(outside, target_is_directory=True)
    return home, outside


@QUICK
@given(path=fuzzed_paths)
def test_fuzzed_paths_never_leave_the_sandbox(path: str, sandbox_with_escape_hatch: tuple[Path, Path]) -> None:
    _sandbox_case(path, *sandbox_with_escape_hatch)


@pytest.mark.slow
@SLOW
@given(path=fuzzed_paths)
def test_fuzzed_paths_never_leave_the_sandbox_long(path: str, sandbox_with_escape_hatch: tuple[Path, Path]) -> None:
    _sandbox_case(path, *sandbox_with_escape_hatch)


@pytest.mark.parametrize("exc", [SystemExit(3), KeyboardInterrupt(), MemoryError(), RecursionError("deep")])
def test_a_procedure_raising_anything_is_an_error_result(exc: BaseException) -> None:
    from tokmem_agents.bank.records import ToolCall
    from tokmem_agents.registry import ProcedureRegistry
    from tokmem_agents.bank.specs import parse_spec

    reg = ProcedureRegistry()

    @reg.register("boom", timeout=5)
    def boom() -> None:
        raise exc

    spec = parse_spec({"name": "boom", "description": "fails", "parameters": {"type": "object", "properties": {}}})
    result = reg.execute(ToolCall("boom", {}), spec)
    assert not result.ok and result.error and type(exc).__name__ in result.error
