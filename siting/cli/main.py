"""The `siting` command: one sub-command per module in this package; user errors end with a message, not a traceback.

Only light modules are imported here: the commands (and pandas, scipy, the solvers behind them) are imported
inside `main`, so that Ctrl-C while they load ends as cleanly as Ctrl-C later on.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from siting import __version__
from siting.errors import EXIT_USER_ERROR, SitingError, cut
from siting.interrupts import Interrupted, arrived

COMMAND_MODULES = (
    *("run", "frontier", "compare", "sweep", "verify", "validate", "demand", "audit", "schema", "reproduce"),
)
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: the reader of our output went away (`siting ... | head`)


class UsageError(SitingError):
    """A command line argparse cannot parse: one line and a hint, not the whole usage."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a mistake is one line naming the argument, with a hint, instead of the whole usage.

    Abbreviated options are refused (`--q` is not taken for `--quiet`): a typo should not silently become another
    option, nor a script's option break when a new option is added.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # noqa: D102 - argparse's hook
        raise UsageError(f"{cut(message, 300)} (see '{self.prog} --help')")


def parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with every sub-command, or with `command` alone (its module is the only one imported).

    A command's module imports what it needs (pandas, the solvers, the report writers); loading all ten for a
    `siting run` took about a tenth of a second of its start-up.
    """
    top = ArgumentParser(
        prog="siting",
        description="Plan community embedded service facilities "
        "(社区嵌入式服务设施): which buildings to acquire, how, for which services.",
    )
    top.add_argument("--version", action="version", version=f"siting {__version__}")
    top.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    subs = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES if command not in COMMAND_MODULES else (command,):
        module = importlib.import_module(f"siting.cli.{name}")
        sub = subs.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        sub.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks for errors")
        module.add_arguments(sub)
        sub.set_defaults(handler=module.main)
    return top


@contextmanager
def _signals_interrupt() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise `Interrupted`, so that cleanup runs; restored afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        if _deferred is not None:
            _deferred.append(signum)
            return
        if arrived(signum):  # a solver is running: it stops, then siting.interrupts.hold raises
            return
        raise Interrupted(signum)

    previous = {s: signal.signal(s, interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


#: Signals held back while the commands' modules load (None: not loading).
_deferred: list[int] | None = None


@contextmanager
def _loading() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back while modules load, then act on them.

    An exception raised inside an import that a compiled extension started is printed and swallowed by it, and
    the command would carry on; nothing is written while loading, so acting a moment later loses nothing.

    The cyclic garbage collector waits meanwhile: loading creates objects that live as long as the process, and
    collecting, then scanning them again at every later full collection, took a tenth of a second of `siting run`.
    """
    global _deferred
    _deferred = []
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        pending, _deferred = _deferred, None
        gc.freeze()
        if collecting:
            gc.enable()
    if pending:
        raise Interrupted(pending[0])


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 2 bad input, 3 infeasible, 4 plan failed its check, 5 no plan).

    Also 130 / 143 when interrupted by Ctrl-C / SIGTERM (nothing is left half-written) and 141 when the reader
    of the output went away.
    """
    debug = "--debug" in (sys.argv[1:] if argv is None else argv)
    try:
        with _signals_interrupt():
            try:
                with _loading():
                    args = parser(_command(sys.argv[1:] if argv is None else argv)).parse_args(argv)
            except SystemExit as done:  # --help, --version
                return int(done.code or 0)
            debug = args.debug
            args.argv = list(sys.argv[1:] if argv is None else argv)  # for provenance (manifest.json)
            code = int(args.handler(args) or 0)
            sys.stdout.flush()
            return code
    except SitingError as err:
        if debug:
            raise
        print(f"siting: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt as err:
        print("siting: interrupted", file=sys.stderr)
        return 128 + err.signum if isinstance(err, Interrupted) else EXIT_INTERRUPTED
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as err:  # a file the user named cannot be read or written (a name too long, a link loop, ...)
        if debug:
            raise
        name = f"{cut(err.filename)}: " if err.filename else ""
        print(f"siting: error: {name}{err.strerror or err}", file=sys.stderr)
        return EXIT_USER_ERROR


def _command(argv: list[str]) -> str | None:
    """The sub-command named on the command line (the first word that is not an option), if any."""
    return next((word for word in argv if not word.startswith("-")), None)


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush does not fail on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":
    sys.exit(main())
