"""The append-only, hash-chained audit log that every feature writes its important state changes to."""
