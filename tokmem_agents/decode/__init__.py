"""Decoding queries into tool calls: the schema grammar and its token masks, the incremental JSON
scanner, the copy bias, the batched greedy decoder with its event stream, and the queue that
batches concurrent callers. Depends on :mod:`~tokmem_agents.model` and :mod:`~tokmem_agents.bank`."""
