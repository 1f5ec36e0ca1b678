"""The citizen code (市民码): issuer keys and the trust list, issuing, devices, revocations, scanning."""
