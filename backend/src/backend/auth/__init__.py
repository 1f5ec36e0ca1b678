"""Tokens, guards and logins: who may call what (see backend/README.md, "Authentication")."""
