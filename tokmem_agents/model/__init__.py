"""The frozen backbone: resolving and loading it, its fingerprint, its chat template, the forward
pass extended by memory rows, and the store of adapters merged into it. Depends on nothing else
in the library but the foundation modules (errors, home, files, config)."""
