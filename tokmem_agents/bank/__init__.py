"""What a bank holds and where it lives: tool specs, example records, the memory bank (rows, specs,
stats, stored examples) and its files, the writer lock, and the resolution of a bank location.
Depends on :mod:`tokmem_agents.model` for the fingerprint only."""
