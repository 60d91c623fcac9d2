"""``python -m ganaug``: the ``ganaug`` command."""

import sys

from ganaug.cli import main

sys.exit(main())
