"""Data rights (PIPL art. 44–47): what we hold about a citizen and why, its export as a one-time
download, consents withdrawn, and closing the account (注销) through the outbox."""
