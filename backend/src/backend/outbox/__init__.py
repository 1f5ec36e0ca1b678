"""The transactional outbox: work for other systems, written in the same transaction as the state
change that owes it, and delivered by workers with retries, a dead letter and operator replay."""
