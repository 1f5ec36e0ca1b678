"""Entry point of ``python -m citizen_code``."""

import sys

from citizen_code._cli import main

sys.exit(main())
