"""`python -m siting` is the `siting` command."""

import sys

from siting.cli.main import main

sys.exit(main())
