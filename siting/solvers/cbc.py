"""CBC (COIN-OR branch and cut), run as the binary PuLP installs, on an MPS file HiGHS writes from our arrays.

PuLP's modelling layer builds a Python object per coefficient and then writes an MPS file for the
same binary anyway. Passing the arrays to HiGHS's MPS writer (:mod:`siting.solvers.mps`) and running the
binary directly skips that and lets us read what PuLP drops: the best bound from CBC's log when a time limit
stops it, and the plan from CBC's binary solution file (full double precision, in column order, so
no names need mapping back; the text solution file has 8 significant digits and only gives the status).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings

import numpy as np

from siting.solvers.base import (
    DEFAULT_OPTIONS,
    FEASIBILITY_TOLERANCE,
    MilpProblem,
    SolveOptions,
    Solver,
    SolveResult,
    Status,
    settle_infeasible_or_unbounded,
)
from siting.solvers.highs import highspy
from siting.solvers.mps import COLUMN_NAME, from_min_form, write_mps

# "Lower bound:" in CBC's closing summary; it is printed with only three decimals.
_BOUND_LINE = re.compile(r"^Lower bound:\s*(-?\d+(?:\.(\d*))?)\s*$", re.MULTILINE)
#: CBC prints its "no bound yet" value (1e50 or so) as an ordinary number; anything this large is none.
_NO_BOUND = 1e30


@functools.cache
def _cbc_path() -> str | None:
    """The CBC binary: one the user installed (PuLP's COIN_CMD), else the one bundled with PuLP."""
    try:
        from pulp import apis
    except ImportError:
        return shutil.which("cbc")
    with warnings.catch_warnings():
        # PuLP 3 deprecates PULP_CBC_CMD in favour of a separately installed CBC, but still ships it.
        warnings.simplefilter("ignore", DeprecationWarning)
        for command in (getattr(apis, "COIN_CMD", None), getattr(apis, "PULP_CBC_CMD", None)):
            if command is not None and command().available():
                return command().path
    return shutil.which("cbc")


@functools.cache
def _cbc_version(path: str | None) -> str:
    """CBC's own version from its banner, e.g. "2.10.3"; PuLP's version, labelled, if that fails."""
    banner = ""
    if path is not None:
        try:
            banner = subprocess.run(
                [path, "-stop"], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30
            ).stdout
        except (OSError, subprocess.SubprocessError):
            pass
    match = re.search(r"Version:\s*(\S+)", banner)
    if match:
        return match.group(1)
    import pulp

    return f"unknown (pulp {pulp.__version__})"


class CbcSolver(Solver):
    """CBC through PuLP's binary (the ``cbc`` registry name).

    ``seed`` s is passed as CBC and CLP seed s + 1, because CBC reads 0 as "seed from the clock".
    More than one thread uses CBC's repeatable parallel mode (threads = 100 + n), so results stay
    deterministic.
    """

    name = "cbc"

    @classmethod
    def is_available(cls) -> bool:
        """True when a CBC binary was found (and highspy, which writes its model file, is installed)."""
        path = _cbc_path()
        return path is not None and os.access(path, os.X_OK) and highspy is not None

    @classmethod
    def version(cls) -> str:
        """CBC's version string."""
        return _cbc_version(_cbc_path())

    def solve(self, problem: MilpProblem, options: SolveOptions = DEFAULT_OPTIONS) -> SolveResult:
        """Solve with CBC; see :meth:`Solver.solve`."""
        started = time.perf_counter()
        warm_start = options.warm_start_for(problem)
        if not self.is_available():
            return self._result(problem, Status.ERROR, None, None, "no CBC binary found", started)
        crossed = problem.inconsistent_bounds()
        if crossed is not None:  # MPS cannot express it; the problem is infeasible as it stands
            return self._result(problem, Status.INFEASIBLE, None, None, f"infeasible: {crossed}", started)
        with tempfile.TemporaryDirectory(prefix="siting-cbc-") as tmp:
            model, status_file, values_file, start = (
                os.path.join(tmp, name) for name in ("model.mps", "status.txt", "values.bin", "start.txt")
            )
            write_mps(problem, model)
            args = [
                _cbc_path(),
                model,
                "-timeMode",
                "elapsed",
                "-ratioGap",
                repr(options.mip_rel_gap),
                "-randomSeed",
                str(options.seed + 1),
                "-randomCbcSeed",
                str(options.seed + 1),
            ]
            if options.threads > 1:
                args += ["-threads", str(100 + options.threads)]
            if options.time_limit_s is not None:
                args += ["-sec", repr(float(options.time_limit_s))]
            if warm_start is not None:
                _write_start(warm_start, start)
                args += ["-mips", start]
            args += ["-solve", "-solution", status_file, "-saveSolution", values_file]
            log, return_code, killed = _run(args, options.verbose, options.time_limit_s)
            if killed:
                message = f"CBC ignored its time limit and was stopped after {_deadline(options.time_limit_s):g} s"
                return self._result(problem, Status.NO_SOLUTION, None, None, message, started)
            if return_code != 0 or not os.path.exists(status_file):
                tail = " | ".join(log.strip().splitlines()[-3:])
                return self._result(problem, Status.ERROR, None, None, f"CBC failed ({return_code}): {tail}", started)
            with open(status_file, encoding="ascii", errors="replace") as handle:
                headline = handle.readline().strip()
            x = _read_values(values_file, problem.num_cols)
        status = _map_status(headline, problem, x)
        if status is Status.UNBOUNDED or (status is Status.INFEASIBLE and "unbounded" in log.lower()):
            # CBC says "Unbounded" as soon as the relaxation is, even when no integer plan exists; and
            # after "Analysis indicates model infeasible or unbounded" its simplex can end "infeasible"
            # on a feasible, unbounded LP. Either way, look again.
            status, headline = settle_infeasible_or_unbounded(self, problem, options, headline)
        return self._result(problem, status, x, _bound(log, problem, status, x), headline, started)


def _run(args: list[str], verbose: bool, time_limit_s: float | None) -> tuple[str, int, bool]:
    """Run CBC and return its log, return code and whether it had to be killed.

    CBC checks ``-sec`` only between search steps, so a large root LP or preprocessing can overrun
    it by minutes. Past :func:`_deadline` the process is killed. The log is echoed line by line when
    ``verbose``.
    """
    lines = []
    killed = threading.Event()
    with subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True
    ) as process:

        def kill() -> None:
            killed.set()
            process.kill()

        timer = threading.Timer(_deadline(time_limit_s), kill) if time_limit_s is not None else None
        if timer is not None:
            timer.start()
        try:
            for line in process.stdout:
                lines.append(line)
                if verbose:
                    sys.stdout.write(line)
            process.wait()
        except BaseException:  # Ctrl-C or SIGTERM: Popen's exit would wait for CBC to finish its search
            process.kill()
            raise
        finally:
            if timer is not None:
                timer.cancel()
    return "".join(lines), process.returncode, killed.is_set() and process.returncode != 0


def _deadline(time_limit_s: float) -> float:
    """Wall time after which a CBC run is killed: a quarter more than its limit, plus 10 s."""
    return 1.25 * time_limit_s + 10.0


def _write_start(x: np.ndarray, path: str) -> None:
    """Write a MIP start in CBC's solution format: a status line, then ``index name value`` lines."""
    index = np.arange(x.shape[0])
    np.savetxt(
        path,
        np.column_stack([index, index, x]),
        fmt=["%d", COLUMN_NAME, "%.17g"],
        header="Stopped on iterations - objective value 0",
        comments="",
    )


def _read_values(path: str, num_cols: int) -> np.ndarray | None:
    """Column values from CBC's binary solution file, or None if it is missing or malformed.

    Layout (CbcOrClpParam.cpp): int32 rows, int32 columns, then float64 objective, row activities,
    row duals, column values, reduced costs.
    """
    if not os.path.exists(path):
        return None
    with open(path, "rb") as handle:
        counts = np.fromfile(handle, dtype=np.int32, count=2)
        values = np.fromfile(handle, dtype=np.float64)
    if counts.size != 2 or counts[1] != num_cols or values.size != 1 + 2 * counts[0] + 2 * num_cols:
        return None
    first = 1 + 2 * int(counts[0])
    return values[first : first + num_cols].copy()


def _map_status(headline: str, problem: MilpProblem, x: np.ndarray | None) -> Status:
    """Map the status line of CBC's solution file onto :class:`Status`.

    "Stopped on ..." carries the incumbent for a MIP, or says "(no integer solution ...)". For an LP
    it is wherever the simplex stopped, kept only if it is feasible.
    """
    if headline.startswith("Optimal"):
        return Status.OPTIMAL
    if headline.startswith(("Infeasible", "Integer infeasible")):
        return Status.INFEASIBLE
    if headline.startswith("Unbounded"):
        return Status.UNBOUNDED
    if headline.startswith("Stopped"):
        if "no integer solution" in headline or x is None:
            return Status.NO_SOLUTION
        if not problem.is_mip and problem.max_violation(x) > FEASIBILITY_TOLERANCE:
            return Status.NO_SOLUTION
        return Status.FEASIBLE
    return Status.ERROR


def _bound(log: str, problem: MilpProblem, status: Status, x: np.ndarray | None) -> float | None:
    """The proven bound in the problem's terms.

    CBC prints "Lower bound:" (of the written minimisation) when a MIP search stops early, with three
    decimals; it is widened by half a unit in its last digit so rounding never overstates it. An
    optimal solve without that line proved its objective (within the gap tolerance); an LP stopped
    early proved nothing.
    """
    match = _BOUND_LINE.search(log)
    if match and problem.is_mip and abs(float(match.group(1))) < _NO_BOUND:
        decimals = len(match.group(2) or "")
        return from_min_form(problem, float(match.group(1)) - 0.5 * 10.0**-decimals)
    if status is Status.OPTIMAL and x is not None:
        return problem.objective_value(x)
    return None
