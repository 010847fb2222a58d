"""The memory bank: one learned vector per tool, their specs and stats, and the bank directory.

A bank directory holds ``memory.safetensors`` (the rows: ``input`` [n, hidden] and, when decoupled,
``output``) and ``bank.json`` (format version, revision, config, backbone fingerprint, tools in
token order with spec, stats and a few stored examples for replay). Both carry the same revision,
and ``bank.json`` the sha256 of the tensor file, so a mismatched or corrupt pair is detected.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping, Sequence

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from ..config import FORMAT_VERSION, BankConfig
from ..errors import BankError, SpecError, UnknownToolError
from ..files import atomic_write_bytes, readable_dir, reading, replace_dir, staging_dir
from ..model.fingerprint import Fingerprint, tensor_sha256
from .records import Example, parse_example, query_key
from .specs import ToolSpec, parse_spec

BANK_FILE = "bank.json"
MEMORY_FILE = "memory.safetensors"
TOOL_FILE_KIND = "tokmem-tool"
NO_BANK_HINT = "learn a tool first with `tokmem-agent learn-tool`"
MAX_ABS_VALUE = 1e4
"""Vectors with entries beyond this are refused as corrupt (trained ones are O(1))."""

log = logging.getLogger(__name__)


def token_label(name: str) -> str:
    """Display form of a tool's memory token."""
    return f"<|tool:{name}|>"


@dataclass(frozen=True)
class LearnedTool:
    """A tool in a bank: its spec, training stats, and stored examples for later replay."""

    spec: ToolSpec
    stats: dict[str, Any] = field(default_factory=dict)
    examples: tuple[Example, ...] = ()

    @property
    def name(self) -> str:
        """The tool's name (its spec's)."""
        return self.spec.name

    def to_json(self) -> dict[str, Any]:
        """The tool's entry in bank.json: name, token label, spec, stats, stored examples."""
        return {
            "name": self.name,
            "token": token_label(self.name),
            "spec": self.spec.to_json(),
            "stats": self.stats,
            "examples": [e.to_json() for e in self.examples],
        }

    @classmethod
    def from_json(cls, raw: Any, where: str) -> "LearnedTool":
        """Parse a bank.json tool entry; anything malformed is a :class:`BankError` naming ``where``."""
        if not isinstance(raw, Mapping):
            raise BankError(f"{where}: expected an object")
        try:
            spec = parse_spec(raw.get("spec"), source=where)
        except SpecError as e:
            raise BankError(f"corrupt tool entry: {e}") from None
        stats = raw.get("stats", {})
        if not isinstance(stats, dict):
            raise BankError(f'{where}: field "stats": expected an object')
        exs = raw.get("examples", [])
        if not isinstance(exs, list):
            raise BankError(f'{where}: field "examples": expected a list')
        try:
            examples = tuple(parse_example(e, where=f"{where}.examples[{i}]") for i, e in enumerate(exs))
        except Exception as e:  # DataError -> BankError: it is the bank that is corrupt
            raise BankError(str(e)) from None
        return cls(spec=spec, stats=stats, examples=examples)


class MemoryBank:
    """The learned rows of a set of tools on one backbone (pure data: no model inside).

    Memory token ``i`` (``i`` = position in :attr:`tools`) has id ``base_vocab + i``.
    """

    def __init__(
        self,
        fingerprint: Fingerprint,
        config: BankConfig | None = None,
        tools: Sequence[LearnedTool] = (),
        input_vectors: torch.Tensor | None = None,
        output_vectors: torch.Tensor | None = None,
        revision: str | None = None,
        negatives: Sequence[Example] = (),
        call_threshold: float | None = None,
    ) -> None:
        self.fingerprint = fingerprint
        self.call_threshold = call_threshold
        """The ``mass`` call-decision threshold the bank was learned for (None: decide by argmax;
        see :attr:`~tokmem_agents.config.DecodeConfig.decision`)."""
        self.negatives: tuple[Example, ...] = tuple(negatives)
        """No-tool examples from the users' data, replayed by every later :func:`learn` call."""
        self.config = config or BankConfig()
        self.tools: list[LearnedTool] = list(tools)
        d = fingerprint.hidden_size
        self.input_vectors = (
            input_vectors.detach().to(torch.float32).clone()
            if input_vectors is not None
            else torch.zeros(0, d)
        )
        if self.config.coupled:
            if output_vectors is not None:
                raise BankError("a coupled bank has no separate output vectors")
            self.output_vectors: torch.Tensor | None = None
        else:
            self.output_vectors = (
                output_vectors.detach().to(torch.float32).clone()
                if output_vectors is not None
                else torch.zeros(0, d)
            )
        self.revision = revision or uuid.uuid4().hex
        self._check_shapes()

    # -- queries ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.tools)

    def __contains__(self, name: object) -> bool:
        return any(t.name == name for t in self.tools)

    @property
    def names(self) -> list[str]:
        """Tool names in token order."""
        return [t.name for t in self.tools]

    @property
    def specs(self) -> dict[str, ToolSpec]:
        """Tool specs by name, in token order."""
        return {t.name: t.spec for t in self.tools}

    def index(self, name: str) -> int:
        """Position of a tool (its token id is ``base_vocab + index``)."""
        for i, t in enumerate(self.tools):
            if t.name == name:
                return i
        raise UnknownToolError(f"tool {name!r} is not in this bank (learn it with `tokmem-agent learn-tool`)")

    def tool(self, name: str) -> LearnedTool:
        """The record of tool ``name`` (:class:`UnknownToolError` if it is not learned)."""
        return self.tools[self.index(name)]

    @property
    def out_vectors(self) -> torch.Tensor:
        """Output (unembedding) rows: the input rows when coupled."""
        return self.input_vectors if self.output_vectors is None else self.output_vectors

    # -- edits -----------------------------------------------------------------------------
    def _check_shapes(self) -> None:
        d = self.fingerprint.hidden_size
        n = len(self.tools)
        for label, t in (("input", self.input_vectors), ("output", self.output_vectors)):
            if t is None:
                continue
            if t.dim() != 2 or t.shape[0] != n or t.shape[1] != d:
                raise BankError(f"memory {label} vectors have shape {tuple(t.shape)}, expected ({n}, {d})")
        if len(set(self.names)) != n:
            raise BankError("the bank holds two tools with the same name")

    def add(self, tools: Sequence[LearnedTool], input_vectors: torch.Tensor, output_vectors: torch.Tensor | None = None) -> None:
        """Append tools and their rows (existing rows are not touched; on an error nothing changes)."""
        if any(t.name in self for t in tools):
            raise BankError(f"tool(s) already in the bank: {[t.name for t in tools if t.name in self]}")
        if len({t.name for t in tools}) != len(tools):
            raise BankError("the new tools hold two tools with the same name")
        if self.output_vectors is not None and output_vectors is None:
            raise BankError("a decoupled bank needs output vectors for new tools")
        if self.output_vectors is None and output_vectors is not None:
            raise BankError("a coupled bank has no separate output vectors")
        n, d = len(tools), self.fingerprint.hidden_size
        for label, t in (("input", input_vectors), ("output", output_vectors)):
            if t is not None and (t.dim() != 2 or tuple(t.shape) != (n, d)):
                raise BankError(f"new memory {label} vectors have shape {tuple(t.shape)}, expected ({n}, {d})")
        self.tools.extend(tools)
        self.input_vectors = torch.cat([self.input_vectors, input_vectors.detach().to(torch.float32)])
        if self.output_vectors is not None and output_vectors is not None:
            self.output_vectors = torch.cat([self.output_vectors, output_vectors.detach().to(torch.float32)])
        self._check_shapes()
        self.revision = uuid.uuid4().hex

    def forget(self, name: str, keep_examples: bool = False) -> None:
        """Remove a tool and its row; later tools move down one id.

        Stored (replay) examples of other tools that call the forgotten tool are dropped too, since
        they could no longer be encoded; ``keep_examples`` keeps them when the tool is about to be
        added again (re-import, retrain).
        """
        i = self.index(name)
        keep = [j for j in range(len(self.tools)) if j != i]
        self.tools.pop(i)
        for j, t in enumerate(self.tools if not keep_examples else ()):
            kept = tuple(e for e in t.examples if name not in e.tool_names)
            if len(kept) != len(t.examples):
                self.tools[j] = replace(t, examples=kept)
        self.input_vectors = self.input_vectors[keep].clone()
        if self.output_vectors is not None:
            self.output_vectors = self.output_vectors[keep].clone()
        if not self.tools:  # no tool is left that was learned for the threshold; the next learn sets it anew
            self.call_threshold = None
        self.revision = uuid.uuid4().hex

    def remember_negatives(self, given: Sequence[Example], called: set[str], limit: int) -> None:
        """Store the no-tool examples of ``given`` (users' data) for replay, newest first, keeping at
        most ``limit``; a stored one whose :func:`~.records.query_key` is in
        ``called`` (its query is now a call's) is dropped. ``limit`` 0 leaves the store as it is."""
        known = {n.query for n in self.negatives}
        fresh = [e for e in dict.fromkeys(e for e in given if not e.calls) if e.query not in known]
        kept = [e for e in (*fresh, *self.negatives) if query_key(e.query) not in called]
        if limit and (fresh or len(kept) != len(self.negatives)):
            self.negatives = tuple(kept[:limit])

    def update_tool(self, name: str, **changes: Any) -> None:
        """Replace fields (stats, examples) of a tool's record."""
        i = self.index(name)
        self.tools[i] = replace(self.tools[i], **changes)

    def copy(self) -> "MemoryBank":
        """An independent copy (edits to one never show in the other)."""
        return MemoryBank(
            self.fingerprint, self.config, list(self.tools), self.input_vectors, self.output_vectors, self.revision,
            self.negatives, self.call_threshold,
        )

    # -- serialisation ---------------------------------------------------------------------
    def _tensors(self, rows: slice | list[int] | None = None) -> dict[str, torch.Tensor]:
        sel = (lambda t: t[rows].contiguous()) if rows is not None else (lambda t: t.contiguous())
        out = {"input": sel(self.input_vectors)}
        if self.output_vectors is not None:
            out["output"] = sel(self.output_vectors)
        return out

    def to_bytes(self) -> tuple[bytes, bytes]:
        """(bank.json bytes, memory.safetensors bytes) of this bank."""
        mem = st_save(self._tensors(), metadata={"format_version": str(FORMAT_VERSION), "revision": self.revision})
        meta = {
            "format_version": FORMAT_VERSION,
            "revision": self.revision,
            "saved_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "config": self.config.to_json(),
            "backbone": self.fingerprint.to_json(),
            "memory_sha256": hashlib.sha256(mem).hexdigest(),
            "tools": [t.to_json() for t in self.tools],
        }
        if self.negatives:
            meta["negatives"] = [e.query for e in self.negatives]
        if self.call_threshold is not None:
            meta["call_threshold"] = self.call_threshold
        return json.dumps(meta, indent=1, ensure_ascii=False).encode("utf-8"), mem

    def _check_values(self) -> None:
        """Refuse rows :meth:`load` would refuse (non-finite or beyond :data:`MAX_ABS_VALUE`), so a save never bricks a bank."""
        bad = [
            t.name
            for i, t in enumerate(self.tools)
            for rows in (self.input_vectors, self.output_vectors)
            if rows is not None and (not torch.isfinite(rows[i]).all() or rows[i].abs().max().item() > MAX_ABS_VALUE)
        ]
        if bad:
            raise BankError(
                f"refusing to save the bank: the memory vectors of {sorted(set(bad))} are non-finite or larger than "
                f"{MAX_ABS_VALUE:g} (training diverged: use a smaller learning rate, --lr); the bank on disk is unchanged"
            )

    def save(self, path: str | Path) -> None:
        """Write the bank directory atomically (hold :func:`storage.writer_lock` around it)."""
        path = Path(path)
        self._check_values()
        meta, mem = self.to_bytes()
        stage = staging_dir(path)
        try:
            (stage / MEMORY_FILE).write_bytes(mem)
            (stage / BANK_FILE).write_bytes(meta)
            replace_dir(stage, path)
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise

    @classmethod
    def from_bytes(cls, meta_bytes: bytes, mem_bytes: bytes, where: str = "bank") -> "MemoryBank":
        """Parse and fully validate a bank from the bytes of its two files."""
        try:
            meta = json.loads(meta_bytes.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
            why = "nested too deeply" if isinstance(e, RecursionError) else str(e)
            raise BankError(
                f"{where}/{BANK_FILE}: not valid JSON ({why}): corrupt bank.json (restore it, or remove {where} to start over)"
            ) from None
        if not isinstance(meta, dict):
            raise BankError(f"{where}/{BANK_FILE}: expected a JSON object")
        version = meta.get("format_version")
        if version != FORMAT_VERSION:
            raise BankError(
                f"{where}/{BANK_FILE}: format_version {version!r} is not supported (expected {FORMAT_VERSION})"
            )
        for key in ("revision", "config", "backbone", "tools", "memory_sha256"):
            if key not in meta:
                raise BankError(f'{where}/{BANK_FILE}: missing field "{key}"')
        if not isinstance(meta["tools"], list):
            raise BankError(f'{where}/{BANK_FILE}: field "tools": expected a list')
        if hashlib.sha256(mem_bytes).hexdigest() != meta["memory_sha256"]:
            raise _Mismatch(f"{where}/{MEMORY_FILE}: does not match {BANK_FILE} (corrupt or from another save)")
        try:
            config = BankConfig.from_json(meta["config"])
        except BankError as e:  # its message starts with "bank.json: "
            raise BankError(f"{where}/{str(e)}") from None
        fp = Fingerprint.from_json(meta["backbone"], where=f"{where}/{BANK_FILE}")
        tools = [LearnedTool.from_json(t, where=f"{where}/{BANK_FILE}: tools[{i}]") for i, t in enumerate(meta["tools"])]
        tensors = _parse_tensors(mem_bytes, f"{where}/{MEMORY_FILE}", config.coupled, len(tools), fp.hidden_size)
        negatives = meta.get("negatives", [])
        if not isinstance(negatives, list) or not all(isinstance(q, str) and q.strip() for q in negatives):
            raise BankError(f'{where}/{BANK_FILE}: field "negatives": expected a list of non-empty strings')
        threshold = meta.get("call_threshold")
        if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold < 1):
            raise BankError(f'{where}/{BANK_FILE}: field "call_threshold": expected a number in (0, 1)')
        try:
            return cls(
                fp, config, tools, tensors["input"], tensors.get("output"), revision=str(meta["revision"]),
                negatives=[Example(q) for q in negatives], call_threshold=threshold,
            )
        except BankError as e:
            raise BankError(f"{where}/{BANK_FILE}: {e}") from None

    @classmethod
    def load(cls, path: str | Path, fingerprint: Fingerprint | None = None) -> "MemoryBank":
        """Load and validate a bank directory; check it against the loaded backbone's fingerprint."""
        path = Path(path)
        last: Exception | None = None
        for _ in range(5):  # a concurrent writer may swap the directory between our two reads
            where = readable_dir(path)
            try:
                meta_bytes = (where / BANK_FILE).read_bytes()
                mem_bytes = (where / MEMORY_FILE).read_bytes()
            except FileNotFoundError as e:
                if not path.exists():
                    raise BankError(f"{path}: no bank here ({NO_BANK_HINT})") from None
                last = BankError(f"{path}: missing {Path(e.filename).name}")
                time.sleep(0.05)
                continue
            except OSError as e:
                raise BankError(f"{path}: cannot read: {e}") from None
            try:
                bank = cls.from_bytes(meta_bytes, mem_bytes, where=str(path))
            except _Mismatch as e:
                last = e
                time.sleep(0.05)
                continue
            if fingerprint is not None:
                bank.fingerprint.check(fingerprint, f"bank {path}")
            return bank
        raise BankError(str(last))

    # -- portable single-tool files --------------------------------------------------------
    def export_tool(self, name: str, file: str | Path) -> None:
        """Write one tool (vector + spec + stats + backbone fingerprint) as a single file."""
        i = self.index(name)
        tool = self.tools[i]
        meta = {
            "kind": TOOL_FILE_KIND,
            "format_version": str(FORMAT_VERSION),
            "tool": json.dumps(tool.to_json(), ensure_ascii=False),
            "backbone": json.dumps(self.fingerprint.to_json()),
            "config": json.dumps(self.config.to_json()),
        }
        if self.call_threshold is not None:  # the call rule the tool was learned for
            meta["call_threshold"] = repr(self.call_threshold)
        tensors = self._tensors([i])
        meta["vectors_sha256"] = _tensors_sha256(tensors)
        atomic_write_bytes(Path(file), st_save(tensors, metadata=meta))

    @staticmethod
    def read_tool_file(file: str | Path) -> tuple[LearnedTool, Fingerprint, BankConfig, dict[str, torch.Tensor]]:
        """Parse an exported tool file; raise :class:`BankError` when it is not one."""
        return MemoryBank._read_tool_file(file)[:4]

    @staticmethod
    def _read_tool_file(
        file: str | Path,
    ) -> tuple[LearnedTool, Fingerprint, BankConfig, dict[str, torch.Tensor], float | None]:
        """:meth:`read_tool_file` plus the call threshold of the bank the tool was exported from."""
        file = Path(file)
        with reading(file, BankError):
            data = file.read_bytes()
        meta = _metadata(data, str(file))
        if meta.get("kind") != TOOL_FILE_KIND or meta.get("format_version") != str(FORMAT_VERSION):
            raise BankError(f"{file}: not an exported tokmem tool (format {FORMAT_VERSION})")
        try:
            tool_raw = json.loads(meta["tool"])
            fp = Fingerprint.from_json(json.loads(meta["backbone"]), where=str(file))
            config = BankConfig.from_json(json.loads(meta["config"]))
        except (KeyError, TypeError, json.JSONDecodeError) as e:
            raise BankError(f"{file}: corrupt tool metadata ({e})") from None
        except RecursionError:
            raise BankError(f"{file}: corrupt tool metadata (nested too deeply)") from None
        tool = LearnedTool.from_json(tool_raw, where=str(file))
        tensors = _parse_tensors(data, str(file), config.coupled, 1, fp.hidden_size)
        if meta.get("vectors_sha256") != _tensors_sha256(tensors):
            raise BankError(f"{file}: the vectors do not match their checksum (the file is corrupt)")
        raw = meta.get("call_threshold")
        try:
            threshold = None if raw is None else float(raw)
        except ValueError:
            threshold = -1.0
        if threshold is not None and not 0 < threshold < 1:
            raise BankError(f'{file}: corrupt tool metadata (field "call_threshold": expected a number in (0, 1))')
        return tool, fp, config, tensors, threshold

    def import_tool(self, file: str | Path, replace_existing: bool = False) -> str:
        """Add the tool of an exported file; it must come from the same backbone and coupling."""
        tool, fp, config, tensors, threshold = self._read_tool_file(file)
        fp.check(self.fingerprint, f"tool file {file}")
        if config.coupled != self.config.coupled:
            raise BankError(f"{file}: tool is {'coupled' if config.coupled else 'decoupled'}, the bank is not")
        if tool.name in self:
            if not replace_existing:
                raise BankError(f"tool {tool.name!r} is already in the bank (forget it first)")
            self.forget(tool.name, keep_examples=True)
        # stored examples that also call tools this bank lacks could not be replayed: drop them
        known = {*self.names, tool.name}
        examples = tuple(e for e in tool.examples if set(e.tool_names) <= known)
        if len(examples) != len(tool.examples):
            tool = replace(tool, examples=examples)
        if not self.tools:  # an empty bank takes the call rule the tool was learned for
            self.call_threshold = threshold
        elif threshold != self.call_threshold:
            # a tool calibrated for a lower bar (argmax counts as the highest) calls too rarely under a higher one
            often = threshold is None or (self.call_threshold is not None and self.call_threshold < threshold)
            log.warning(
                "tool %r was learned for the call rule %s, the bank decides by %s; it may call too %s", tool.name,
                _rule(threshold), _rule(self.call_threshold), "often" if often else "rarely",
            )
        self.add([tool], tensors["input"], tensors.get("output"))
        return tool.name


def _rule(threshold: float | None) -> str:
    return "argmax" if threshold is None else f"mass >= {threshold:g}"


def _tensors_sha256(tensors: Mapping[str, torch.Tensor]) -> str:
    """sha256 over the names, shapes and float32 bytes of tensors (detects bit flips in tool files)."""
    return tensor_sha256((f"{k}:{tuple(tensors[k].shape)};".encode(), tensors[k]) for k in sorted(tensors))


class _Mismatch(BankError):
    """bank.json and memory.safetensors come from different saves (maybe a concurrent writer)."""


def _metadata(data: bytes, where: str) -> dict[str, str]:
    if len(data) < 8:
        raise BankError(f"{where}: truncated safetensors file")
    n = int.from_bytes(data[:8], "little")
    if n <= 0 or n > len(data) - 8 or n > 100_000_000:
        raise BankError(f"{where}: corrupt safetensors header")
    try:
        header = json.loads(data[8 : 8 + n])
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise BankError(f"{where}: corrupt safetensors header") from None
    meta = header.get("__metadata__", {}) if isinstance(header, dict) else {}
    return meta if isinstance(meta, dict) else {}


def _parse_tensors(data: bytes, where: str, coupled: bool, n: int, d: int) -> dict[str, torch.Tensor]:
    try:
        tensors = st_load(data)
    except (SafetensorError, ValueError, RuntimeError, OverflowError) as e:
        raise BankError(f"{where}: corrupt safetensors file ({str(e).splitlines()[0] if str(e) else 'unreadable'})") from None
    expected = {"input"} if coupled else {"input", "output"}
    if set(tensors) != expected:
        raise BankError(f"{where}: holds tensors {sorted(tensors)}, expected {sorted(expected)}")
    for k, t in tensors.items():
        if t.dtype != torch.float32:
            raise BankError(f"{where}: tensor {k!r} has dtype {t.dtype}, expected float32")
        if tuple(t.shape) != (n, d):
            raise BankError(f"{where}: tensor {k!r} has shape {tuple(t.shape)}, expected ({n}, {d})")
        if n and (not torch.isfinite(t).all() or t.abs().max().item() > MAX_ABS_VALUE):
            raise BankError(f"{where}: tensor {k!r} holds non-finite or absurdly large values")
    return tensors
