"""Adapters to government and platform systems, with a sandbox twin of each."""
