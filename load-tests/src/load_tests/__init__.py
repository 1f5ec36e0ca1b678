"""Load scenarios and the benchmark runner (HTTP only)."""
