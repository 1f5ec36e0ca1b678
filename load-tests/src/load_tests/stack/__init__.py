"""The stack under test: the reference apps, the API process, its database and its Redis key space.

This is the one corner of ``load_tests`` that touches Redis and PostgreSQL directly (the reference
app does one Redis GET; a bench run creates and drops its own database). The measuring code in
``load_tests`` still drives everything over HTTP; the import contract says so, with this package as
its only exception.
"""
