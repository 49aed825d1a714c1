"""``python -m m3h_lite``: the same as the ``m3h-lite`` command."""

import sys

from .course.cli import main

sys.exit(main())
