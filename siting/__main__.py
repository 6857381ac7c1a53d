"""`python -m siting` is the `siting` command."""

import sys

try:
    from siting.cli.main import main
except KeyboardInterrupt:  # Ctrl-C before the command could install its own handling
    sys.exit(130)

sys.exit(main())
