"""Scanner devices at gates and counters: the registry operators manage, and device credentials."""
