"""The `siting` command: one sub-command per module in this package; user errors end with a message, not a traceback."""

from __future__ import annotations

import argparse
import sys

from siting import __version__
from siting.cli import demand, reproduce, run, schema, sweep, validate, verify
from siting.errors import SitingError

COMMANDS = (run, verify, validate, demand, schema, reproduce, sweep)


def parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    top = argparse.ArgumentParser(
        prog="siting",
        description="Plan community embedded service facilities "
        "(社区嵌入式服务设施): which buildings to acquire, how, for which services.",
    )
    top.add_argument("--version", action="version", version=f"siting {__version__}")
    top.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    subs = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        sub = subs.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        sub.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks for errors")
        module.add_arguments(sub)
        sub.set_defaults(handler=module.main)
    return top


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 2 bad input, 3 infeasible, 4 plan failed its check, 5 no plan)."""
    args = parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except SitingError as err:
        if args.debug:
            raise
        print(f"siting: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("siting: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
