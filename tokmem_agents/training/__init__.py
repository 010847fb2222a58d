"""Learning memory tokens: encoding examples, the loss, the shared optimisation loop, vector
initialisation, compositional synthesis, the training plan, and backbone adaptation with the
auxiliary corpus. Depends on :mod:`~tokmem_agents.model` and :mod:`~tokmem_agents.bank`."""
