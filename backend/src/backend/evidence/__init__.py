"""Evidence (存证): signed daily roots over the audit chains, and inclusion proofs."""
