"""``tokmem-agent export-model OUT``: write the bank as a standard Hugging Face checkpoint directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import BankOpt, DebugOpt, DeviceOpt, DtypeOpt, ModelOpt, VerboseOpt, err, errors, open_tokmem, out, print_json, resolve_globals


def export_model_command(
    ctx: typer.Context,
    target: Annotated[Path, typer.Argument(metavar="OUT", show_default=False, help="A new (or empty) directory to write.")],
    as_json: Annotated[bool, typer.Option("--json", metavar="", help="Print the manifest (tokmem.json) as JSON.")] = False,
    bank: BankOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    dtype: DtypeOpt = None,
    debug: DebugOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Export the bank as a Hugging Face checkpoint that plain transformers and serving engines load.

    Each tool becomes a special token `<|tool:NAME|>` whose trained row sits in the input embeddings
    and the output head (the adapter merged into the weights). Beside the weights: `tokmem.json`
    (tools, token ids, end tokens, what the export does not carry) and `tools.lark`, the grammar
    (plain text, or calls each a memory token plus JSON arguments) to hand to the engine's
    structured output, e.g. `vllm serve OUT --structured-outputs-config.backend guidance`.
    Refuses (exit 2) when OUT exists and is not empty; writes atomically.
    """
    g = resolve_globals(ctx, bank, model, debug, verbose, device=device, dtype=dtype)
    with errors(g):
        from tokmem_agents.errors import ExportError
        from tokmem_agents.export import GRAMMAR_FILE
        from tokmem_agents.export.checkpoint import check_target

        check_target(target)  # before the model loads
        tm = open_tokmem(g)
        if len(tm.bank) == 0:
            raise ExportError(f"the bank {tm.path} holds no tools: nothing to export")
        with err.status("exporting..."):
            manifest = tm.export_model(target)
        if as_json:
            print_json(manifest.to_json())
            return
        out.print(f"exported {len(manifest.tools)} tool(s) to {target}")
        for t in manifest.tools:
            out.print(f"  {t.token}  id {t.token_id}")
        for item in manifest.not_carried:
            out.print(f"not carried: {item}")
        out.print(f"serve it: vllm serve {target} --structured-outputs-config.backend guidance, sending {target / GRAMMAR_FILE} "
                  "as the grammar and skip_special_tokens=False (the memory tokens are the calls)")
