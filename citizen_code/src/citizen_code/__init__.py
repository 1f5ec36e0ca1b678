"""Dynamic signed QR citizen code: wire format, keys, issue, verify, render."""
