"""One-stop applications (一网通办): a citizen's application for a catalogue item, its lifecycle as
append-only events, and its delivery to the department that decides it."""
