"""The ``tokmem-agent`` command line: a thin typer layer over :class:`tokmem_agents.tokmem.TokMem`."""
