"""A bank as a standard Hugging Face checkpoint: memory tokens become ordinary vocabulary rows.

:func:`export_model` writes a directory that plain ``transformers`` loads with
``AutoModelForCausalLM`` / ``AutoTokenizer``:

- the backbone's weights with its adapter merged (the loaded backbone already is);
- one special token ``<|tool:NAME|>`` per tool added to the tokenizer, with the tool's trained row
  in the input embeddings and in the output head. The new ids are the tokenizer's next free ids;
  where the embedding is padded beyond the tokenizer those padding rows are reused, otherwise the
  embedding is grown. A tied head stays tied for a coupled bank (one row serves both) unless the
  embedding scales its output (Gemma: ``x sqrt(hidden)``; the input row is then stored divided by the
  scale, so the head is untied); a decoupled bank unties it. ``lm_head`` biases get 0 for the new rows;
- ``generation_config.json`` ending the turn at the bank's end tokens, and the chat template with
  its ``date_string`` fixed as the bank was trained (:data:`~tokmem_agents.model.chat.FIXED_DATE`);
- ``tokmem.json`` (:mod:`.manifest`) and ``tools.lark`` (:mod:`.grammar`).

The directory is built beside ``out`` and renamed into place, so a failed export leaves no partial
directory (only ``out``'s parent directories, if it had to create them). The model is copied in
memory first (the loaded backbone stays as it is), so an export needs about twice the model's memory.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import torch

from ..bank.memory import MemoryBank, token_label
from ..config import DecodeConfig
from ..decode.grammar import ll_tokenizer
from ..errors import BankError, ExportError
from ..files import atomic_write_text, publish_dir, staging_dir
from ..model.backbone import Backbone
from ..model.chat import FIXED_DATE
from .grammar import turn_grammar
from .manifest import GRAMMAR_FILE, MANIFEST_FILE, ExportedTool, ExportManifest

NOT_CARRIED = (
    "copy_bias: the in-process decoder's bias towards copying query spans into string arguments",
    "decode limits: max_tokens_per_call, the repetition guard and the time budget (an engine has its own max_tokens)",
    "special tokens in a text answer: the in-process decoder may start an answer with one; the grammar's text cannot",
    "\\uXXXX escapes of printable characters in strings: the in-process grammar accepts them where its llguidance"
    " can; tools.lark does not, so that the llguidance of serving engines (vLLM 0.32: < 1.8) reads it",
)
NOT_CARRIED_MASS = "call_threshold {t:g}: the bank's 'mass' call decision (total memory probability vs a threshold)"


def check_target(out: Path) -> None:
    """Refuse an ``out`` that exists and is not an empty directory (:class:`ExportError`)."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportError(f"{out} exists and is not an empty directory; choose a new directory")


def export_model(backbone: Backbone, bank: MemoryBank, out: str | Path) -> ExportManifest:
    """Write ``bank`` on ``backbone`` as a checkpoint directory ``out`` (see the module doc)."""
    from tokenizers import AddedToken
    from transformers import GenerationConfig

    out = Path(out)
    check_target(out)
    if not len(bank):
        raise ExportError("the bank holds no tools: nothing to export")
    bank.fingerprint.check(backbone.fingerprint, "bank")
    tok = copy.deepcopy(backbone.tokenizer)
    labels = [token_label(n) for n in bank.names]
    clash = [t for t in labels if t in tok.get_vocab()]
    if clash:
        raise BankError(f"the tokenizer already has the token(s) {clash}; cannot add memory tokens under those names")
    tok.add_tokens([AddedToken(t, special=True, normalized=False) for t in labels], special_tokens=True)
    ids = [int(tok.convert_tokens_to_ids(t)) for t in labels]
    if isinstance(getattr(tok, "chat_template", None), str):
        tok.chat_template = "{%- set date_string = " + json.dumps(FIXED_DATE) + " %}" + tok.chat_template
    ends = list(backbone.end_token_ids)
    vocab = max(max(ids) + 1, backbone.base_vocab)
    specs = [bank.specs[n] for n in bank.names]
    # the grammar first: a schema an engine could not compile fails before anything is written
    grammar = turn_grammar([(s.name, s.schema, i) for s, i in zip(specs, ids)], ll_tokenizer(tok, vocab, tuple(ends)),
                           DecodeConfig().max_calls)
    not_carried = list(NOT_CARRIED)
    if bank.call_threshold is not None:
        not_carried.append(NOT_CARRIED_MASS.format(t=bank.call_threshold))
    manifest = ExportManifest(
        tools=tuple(ExportedTool(s, i) for s, i in zip(specs, ids)),
        end_token_ids=tuple(ends),
        backbone={**backbone.fingerprint.to_json(), "bank_revision": bank.revision},
        not_carried=tuple(not_carried),
    )

    model = copy.deepcopy(backbone.model)
    rows_in = bank.input_vectors.to(torch.float32)
    _write_rows(model, ids, rows_in, bank.out_vectors.to(torch.float32), coupled=bank.config.coupled)
    model.generation_config = GenerationConfig(eos_token_id=ends, pad_token_id=tok.pad_token_id, do_sample=False)
    stage = staging_dir(out)
    try:
        model.save_pretrained(str(stage))
        tok.save_pretrained(str(stage))
        atomic_write_text(stage / MANIFEST_FILE, json.dumps(manifest.to_json(), ensure_ascii=False, indent=1) + "\n")
        atomic_write_text(stage / GRAMMAR_FILE, grammar)
        check_target(out)  # still new or empty: rename replaces an empty directory
        if not publish_dir(stage, out):
            raise ExportError(f"{out} was filled by someone else meanwhile; nothing was written")
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return manifest


def embedding_scale(embedding: Any) -> float:
    """The factor an input embedding module multiplies its rows by (1 for a plain ``nn.Embedding``;
    Gemma's ``sqrt(hidden)``), read off one row."""
    w = embedding.weight
    row = int(w.detach().float().norm(dim=1).argmax())
    with torch.no_grad():
        got = embedding(torch.tensor([row], device=w.device))[0].float()
    ref = w[row].detach().float()
    return float((got @ ref) / (ref @ ref))


def _write_rows(model: Any, ids: list[int], rows_in: torch.Tensor, rows_out: torch.Tensor, coupled: bool) -> None:
    """Put memory rows at ``ids`` of ``model``'s input embedding and output head (growing both when
    an id is past their end; untying a tied head when one row cannot serve both)."""
    inp, head = model.get_input_embeddings(), model.get_output_embeddings()
    need = max(ids) + 1
    if need > inp.weight.shape[0]:
        model.resize_token_embeddings(need, mean_resizing=False)
        inp, head = model.get_input_embeddings(), model.get_output_embeddings()
    scale = embedding_scale(inp)
    tied = head.weight.data_ptr() == inp.weight.data_ptr()
    if tied and (not coupled or abs(scale - 1.0) > 1e-6):
        head.weight = torch.nn.Parameter(inp.weight.detach().clone(), requires_grad=False)
        for cfg in {id(c): c for c in (model.config, getattr(model.config, "get_text_config", lambda: model.config)())}.values():
            cfg.tie_word_embeddings = False
        tied = False
    index = torch.tensor(ids, device=inp.weight.device)
    with torch.no_grad():
        inp.weight[index] = (rows_in / scale).to(inp.weight.device, inp.weight.dtype)
        if not tied:
            head.weight[index] = rows_out.to(head.weight.device, head.weight.dtype)
        if getattr(head, "bias", None) is not None:
            head.bias[index] = 0
