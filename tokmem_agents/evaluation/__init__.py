"""Evaluating tool calling: the metrics (one definition), the harness, and the methods compared
(tokmem, icl, rag, lora) behind one :class:`~tokmem_agents.evaluation.methods.Method` protocol."""
