"""`tokmem-agent chat`: the loop with scripted input/output, then the real command in a pseudo-terminal."""

from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterable

import pytest

from cli.chat import chat_loop
from cli_support import NOTE, PING, SHORT, learned_bank  # noqa: F401

# --- the loop, without a terminal or a model --------------------------------------------------------


class Script:
    """``read`` answering scripted lines; a line that is an exception class is raised instead."""

    def __init__(self, lines: Iterable[Any]) -> None:
        self.lines = list(lines)
        self.prompts: list[str] = []

    def __call__(self, prompt: str) -> str:
        self.prompts.append(prompt)
        if not self.lines:
            raise EOFError
        line = self.lines.pop(0)
        if isinstance(line, type) and issubclass(line, BaseException):
            raise line
        return line


class StubTokMem:
    """Just what the chat loop uses of TokMem; ``call`` answers from a table of query -> calls."""

    def __init__(self, answers: dict[str, list[tuple[str, dict]]]) -> None:
        import torch

        from tokmem_agents.model.fingerprint import Fingerprint
        from tokmem_agents.bank.memory import LearnedTool, MemoryBank
        from tokmem_agents.bank.specs import parse_spec
        from tokmem_agents.config import BankConfig

        specs = [parse_spec(PING), parse_spec(NOTE)]
        self.bank = MemoryBank(Fingerprint("stub", 8, 100, "0"), BankConfig(coupled=True), tools=[LearnedTool(s) for s in specs], input_vectors=torch.zeros(2, 8))
        self.backbone = type("B", (), {"base_vocab": 100})()
        self.path = Path("stub-bank")
        self.answers = answers

    def call(self, query: str, config: Any = None) -> Any:
        from tokmem_agents.bank.records import ToolCall
        from tokmem_agents.decode.results import DecodeResult

        if query not in self.answers:
            return DecodeResult(query=query, text="I can only ping and take notes.")
        return DecodeResult(query=query, calls=[ToolCall(n, a) for n, a in self.answers[query]])


@pytest.fixture()
def registry() -> Any:
    from tokmem_agents.registry import ProcedureRegistry

    reg = ProcedureRegistry()
    reg.notes = []  # type: ignore[attr-defined]
    reg.register("ping")(lambda host: f"{host} answers")
    reg.register("add_note", mutates=True)(lambda text: reg.notes.append(text) or "saved")  # type: ignore[attr-defined]
    return reg


def _chat(lines: list[Any], registry: Any, yes: bool = False) -> tuple[str, Script]:
    tm = StubTokMem({"ping a.org": [("ping", {"host": "a.org"})], "note milk": [("add_note", {"text": "milk"})]})
    out: list[str] = []
    read = Script(lines)
    chat_loop(tm, read, out.append, yes=yes, registry=registry)  # type: ignore[arg-type]
    return "\n".join(out), read


def test_shows_the_memory_token_and_runs_read_only_procedures(registry: Any) -> None:
    text, _ = _chat(["ping a.org", "/quit", "never read"], registry)
    assert "<|tool:ping|> (id 100)" in text and '"host": "a.org"' in text
    assert "result ping: a.org answers" in text


def test_asks_before_procedures_that_change_data(registry: Any) -> None:
    text, read = _chat(["note milk", "n", "note milk", "y"], registry)
    assert read.prompts.count("run add_note? it changes stored data [y/N] ") == 2
    assert "skipped add_note" in text and "result add_note: saved" in text
    assert registry.notes == ["milk"]


def test_yes_skips_the_question(registry: Any) -> None:
    text, read = _chat(["note milk"], registry, yes=True)
    assert registry.notes == ["milk"] and not any("[y/N]" in p for p in read.prompts)


def test_plain_text_tools_help_and_unknown_commands(registry: Any) -> None:
    text, _ = _chat(["what is love?", "/tools", "/help", "/nope", ""], registry)
    assert "answer (no tool): I can only ping and take notes." in text
    assert "ping  <|tool:ping|>" in text and "add_note  <|tool:add_note|> [asks first]" in text
    assert "/quit" in text and "unknown command /nope" in text


@pytest.mark.parametrize("key", [EOFError, KeyboardInterrupt])
def test_ctrl_d_and_ctrl_c_end_the_session(registry: Any, key: type) -> None:
    text, read = _chat(["ping a.org", key, "never read"], registry)
    assert "result ping" in text and read.lines == ["never read"]


def test_ctrl_c_during_a_confirmation_ends_the_session(registry: Any) -> None:
    _, read = _chat(["note milk", KeyboardInterrupt, "never read"], registry)
    assert registry.notes == [] and read.lines == ["never read"]


def test_a_truncated_call_is_shown_and_never_run(registry: Any) -> None:
    from tokmem_agents.config import DecodeConfig
    from tokmem_agents.bank.records import ToolCall
    from tokmem_agents.decode.results import DecodeResult

    class Cut(StubTokMem):
        def call(self, query: str, config: Any = None) -> Any:
            self.config = config
            return DecodeResult(query=query, calls=[ToolCall("add_note", {"text": "mi"})], truncated=[0], stop_reason="time_budget")

    tm = Cut({})
    out: list[str] = []
    config = DecodeConfig(time_budget=0.25)
    chat_loop(tm, Script(["note milk"]), out.append, yes=True, registry=registry, config=config)  # type: ignore[arg-type]
    assert tm.config is config
    assert any(l.startswith("truncated <|tool:add_note|>") for l in out)
    assert "stopped early: the time budget of 0.25 s ran out (--time-budget)" in out
    assert registry.notes == []  # --yes, but a truncated call is never run


def test_the_command_passes_its_limits_to_the_loop(learned_bank: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cli_support import run
    from tokmem_agents.config import DecodeConfig

    seen: list[Any] = []
    monkeypatch.setattr("cli.chat.chat_loop", lambda tm, read, write, **kw: seen.append(kw["config"]))
    res = run("chat", "--bank", learned_bank, "--max-calls", 2, "--max-tokens-per-call", 7, "--time-budget", 3, "--no-constrain",
              "--copy-bias", 0)
    assert res.exit_code == 0, res.output
    assert seen == [DecodeConfig(constrained=False, max_calls=2, max_tokens_per_call=7, time_budget=3.0, copy_bias=0.0)]


@pytest.mark.parametrize("option, value", [("--max-calls", "0"), ("--max-tokens-per-call", "-4"), ("--time-budget", "0"),
                                           ("--copy-bias", "-2")])
def test_bad_limits_are_usage_errors(option: str, value: str, tmp_path: Path) -> None:
    from cli_support import run

    res = run("chat", option, value, "--bank", tmp_path / "bank")
    assert res.exit_code == 2 and option in res.stderr and "Traceback" not in res.stderr


# --- the real command in a pseudo-terminal -----------------------------------------------------------

ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\r")


class Terminal:
    """A child process on a pseudo-terminal; ``expect`` waits for text (escape codes removed)."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        master, slave = os.openpty()
        self.master = master
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True, close_fds=True)
        os.close(slave)
        self.raw = b""
        self.seen = 0

    def text(self) -> str:
        return ANSI.sub(b"", self.raw).decode("utf-8", "replace")

    def _pump(self, timeout: float) -> None:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if ready:
            try:
                self.raw += os.read(self.master, 65536)
            except OSError:  # the child closed the terminal
                time.sleep(timeout)

    def expect(self, pattern: str, timeout: float = 90.0) -> str:
        """Wait until the regex ``pattern`` matches after the previous match; return the text matched."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            m = re.compile(pattern).search(self.text(), self.seen)
            if m:
                self.seen = m.end()
                return m.group(0)
            self._pump(0.1)
        raise AssertionError(f"{pattern!r} not seen; output so far:\n{self.text()}")

    def send(self, data: str) -> None:
        os.write(self.master, data.encode())

    def wait(self, timeout: float = 60.0) -> int:
        end = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < end:
            self._pump(0.1)
        self._pump(0.05)
        if self.proc.poll() is None:
            self.proc.kill()
            raise AssertionError(f"chat did not exit; output:\n{self.text()}")
        os.close(self.master)
        return self.proc.returncode


def _env(home: Path) -> dict[str, str]:
    return dict(os.environ, TOKMEM_HOME=str(home), TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1", COLUMNS="100")


# The random tiny model would write 128 tokens of text per answer (seconds on a loaded CPU): the session
# with a query runs the real entry point after shortening the decoding limits.
_SHORT_MAIN = (
    "from tokmem_agents.config import DecodeConfig as D; real = D.from_options.__func__; "
    f"D.from_options = classmethod(lambda cls, base=None, **o: real(cls, base if base is not None else cls(**{SHORT!r}), **o)); "
    "from cli.app import main; main()"
)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_chat_session_in_a_pseudo_terminal(learned_bank: Path, tiny_model_dir: Path, tmp_path: Path) -> None:
    bank = shutil.copytree(learned_bank, tmp_path / "bank")
    term = Terminal(
        [sys.executable, "-c", _SHORT_MAIN, "chat", "--model", str(tiny_model_dir), "--bank", str(bank)],
        _env(tmp_path / "home"),
    )
    term.expect(r"2 tool\(s\) in")
    term.expect("you>")
    term.send("ping example.com\r")
    term.expect(r"(call|invalid|truncated) <\|tool:\w+\|>|answer \(no tool\)")  # the memory token that fired, or text
    term.send("/tools\r")
    term.expect(r"ping  <\|tool:ping\|> \[no procedure\]")
    term.expect(r"add_note  <\|tool:add_note\|> \[asks first\]")
    term.send("/quit\r")
    assert term.wait() == 0
    assert "Traceback" not in term.text()
    assert "ping example.com" in (tmp_path / "home" / "chat_history").read_text()  # history is kept


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_ctrl_d_leaves_the_real_command_cleanly(learned_bank: Path, tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("tokmem-agent")
    argv = [str(exe)] if exe.exists() else [sys.executable, "-c", "from cli.app import main; main()"]
    term = Terminal([*argv, "chat", "--bank", str(learned_bank)], _env(tmp_path / "home"))
    term.expect("you>")
    term.send("\x04")  # Ctrl-D
    assert term.wait() == 0
    assert "Traceback" not in term.text() and "error" not in term.text()
