"""``python -m labkit.cli``: see `labkit.cli`."""

import sys

from labkit.cli import main

sys.exit(main())
