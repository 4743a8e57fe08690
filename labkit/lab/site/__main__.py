"""``python -m labkit.lab.site``: see `labkit.lab.site`."""

import sys

from labkit.lab.site import main

sys.exit(main())
