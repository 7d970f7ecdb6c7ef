"""`python -m assess` runs the command-line interface."""

import sys

from assess.cli import main

sys.exit(main())
