"""Citizens: real-name registration, personal data sealed at rest, the ``/me`` view."""
