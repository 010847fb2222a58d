"""Integrations of tokmem-agents with agent frameworks (imported lazily: each needs its own extra).

``tokmem_agents.integrations.langchain`` - :class:`TokMemRunnable`, :class:`ChatTokMem` and
:func:`procedures_as_tools` for langchain-core.
"""
