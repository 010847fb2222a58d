"""Banks as standard checkpoints for serving engines (issue 21): :func:`export_model` writes a
Hugging Face directory whose vocabulary holds one special token per tool, with ``tokmem.json``
(:class:`ExportManifest`) and ``tools.lark`` (:func:`turn_grammar`); :class:`ReferenceDecoder`
decodes it with plain transformers and llguidance; :meth:`ExportManifest.parse` reads an engine's
text back into calls."""

from ..errors import ExportError
from .checkpoint import export_model
from .grammar import turn_grammar
from .manifest import GRAMMAR_FILE, MANIFEST_FILE, ExportedTool, ExportManifest, ParsedTurn
from .reference import ReferenceDecoder, ReferenceTurn

__all__ = [
    "GRAMMAR_FILE",
    "MANIFEST_FILE",
    "ExportError",
    "ExportManifest",
    "ExportedTool",
    "ParsedTurn",
    "ReferenceDecoder",
    "ReferenceTurn",
    "export_model",
    "turn_grammar",
]
