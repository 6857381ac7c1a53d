"""Where independent tasks run: in this process, in a local process pool, or on a dask.distributed cluster.

Every executor has the same small interface: `slots` (tasks at once), `share(value)` (a handle to pass for a
value many tasks use: a dask cluster ships it to each worker once) and `run(fn, calls)`, which yields a
`Done` per task as it finishes, in whatever order they finish. A task that raises is reported as failed
(its error as text) and the others go on; so is a task whose worker died (a process pool that breaks is
started again and the tasks it held are tried again, up to MAX_ATTEMPTS in all, as dask does for a lost
worker).

Solver threads × tasks at once must not exceed the cores: the local executors run cores // threads tasks at
once unless told otherwise, and refuse more; a given dask scheduler is checked per host and warned about.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any, Literal

from siting.errors import InputError, SitingError, cut

EXECUTORS: tuple[str, ...] = ("serial", "local", "dask")
#: AutoPool: a first task that took this long (s) or more sends the rest to a local pool.
AUTO_POOL_S = 0.5
MAX_ATTEMPTS = 3
Call = tuple[str, tuple]


@dataclass(frozen=True)
class Done:
    """A finished task: its value, or the error that stopped it (value None) and that error's exit code."""

    key: str
    value: Any = None
    error: str = ""
    code: int = 0


class TaskError(SitingError):
    """A task failed where every task must succeed (a frontier's point, a compared plan): its error, re-raised.

    Args:
        message: the task's error, as text.
        exit_code: the exit code of the task's own error (1 when it was not a SitingError).
    """

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


def cores() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def guarded(fn: Callable, *args: Any) -> tuple[bool, Any]:
    """(True, fn(*args)) or (False, (the error as text, its exit code)): errors travel back as text."""
    try:
        return True, fn(*args)
    except Exception as err:  # noqa: BLE001 - a task's failure is reported, never raised into the driver
        return False, (describe(err), err.exit_code if isinstance(err, SitingError) else 1)


def _done(key: str, ok: bool, value: Any) -> Done:
    return Done(key, value) if ok else Done(key, None, *value)


def describe(err: BaseException) -> str:
    """An error as one line: the message of a user error, type and message otherwise."""
    text = str(err).strip().replace("\n", " ")
    return text if isinstance(err, SitingError) else f"{type(err).__name__}: {text}"


def run_all(
    executor: Executor, fn: Callable, calls: Iterable[Call], on_done: Callable[[str, Any], None] | None = None
) -> dict[str, Any]:
    """Every call's value by key, for tasks that must all succeed; `on_done(key, value)` as each finishes.

    Raises:
        TaskError: the first task that failed (the others are dropped).
    """
    values = {}
    for done in executor.run(fn, calls):
        if done.error:
            raise TaskError(done.error, done.code or 1)
        values[done.key] = done.value
        if on_done is not None:
            on_done(done.key, done.value)
    return values


class Executor:
    """Runs tasks; see the module docstring. Use as a context manager, so workers stop at the end.

    Attributes:
        name: serial, local or dask.
        slots: tasks that run at once.
        warnings: things the user should know about the resources (printed by the command).
    """

    name = "serial"

    def __init__(self) -> None:
        self.slots = 1
        self.warnings: list[str] = []

    def share(self, value: Any) -> Any:
        """A handle for a value many tasks take (the value itself, except on dask)."""
        return value

    def warm_up(self, module: str) -> None:
        """Start the workers and import `module` in each, so that the first tasks do not pay for it."""
        importlib.import_module(module)

    def run(self, fn: Callable, calls: Iterable[Call]) -> Iterator[Done]:
        """Call fn(*args) for each (key, args) and yield each Done as it finishes."""
        for key, args in calls:
            ok, value = guarded(fn, *args)
            yield _done(key, ok, value)

    def close(self) -> None:
        """Stop the workers."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LocalExecutor(Executor):
    """A pool of spawned worker processes on this machine; each imports the task's module as it starts.

    Args:
        workers: processes (tasks at once).
    """

    name = "local"

    def __init__(self, workers: int) -> None:
        super().__init__()
        self.slots = workers
        self._pool: ProcessPoolExecutor | None = None

    def _start(self, module: str) -> ProcessPoolExecutor:
        self._pool = ProcessPoolExecutor(
            self.slots, mp_context=get_context("spawn"), initializer=importlib.import_module, initargs=(module,)
        )
        return self._pool

    def warm_up(self, module: str) -> None:
        """Start every worker process (each imports `module` as it starts)."""
        if self._pool is None:
            pool = self._start(module)
            wait([pool.submit(os.getpid) for _ in range(self.slots)])

    def run(self, fn: Callable, calls: Iterable[Call]) -> Iterator[Done]:
        """Keep `slots` tasks in flight; a broken pool is replaced and its tasks tried again.

        Pools that break MAX_ATTEMPTS + 1 times in a row before finishing any task (workers that cannot start)
        end the run: every task left is reported failed.
        """
        queue, attempts, barren = deque(calls), {}, 0
        pool = self._pool or self._start(fn.__module__)
        flying: dict = {}
        finished_here = 0
        while queue or flying:
            lost = False  # a worker died since the last wait: the pool refuses new tasks
            while queue and len(flying) < self.slots and not lost:
                key, args = queue.popleft()
                try:
                    flying[pool.submit(guarded, fn, *args)] = (key, args)
                except BrokenProcessPool:
                    queue.appendleft((key, args))
                    lost = True
            finished, _ = wait(flying, return_when=FIRST_COMPLETED) if flying else (set(), set())
            broken = []
            for future in finished:
                key, args = flying.pop(future)
                try:
                    ok, value = future.result()
                except BrokenProcessPool:
                    broken.append((key, args))
                    continue
                finished_here += 1
                yield _done(key, ok, value)
            if not broken and not lost:
                continue
            broken += [flying.pop(f) for f in list(flying)]  # the pool is gone: everything in it was lost
            pool.shutdown(wait=False, cancel_futures=True)
            barren = 0 if finished_here else barren + 1
            if barren > MAX_ATTEMPTS:
                for key, _ in [*broken, *queue]:
                    yield Done(key, None, "the worker processes die before finishing any task", 1)
                return
            pool, finished_here = self._start(fn.__module__), 0
            for key, args in reversed(broken):
                attempts[key] = attempts.get(key, 1) + 1
                if attempts[key] > MAX_ATTEMPTS:
                    yield Done(key, None, f"the worker process died {MAX_ATTEMPTS} times running this task", 1)
                else:
                    queue.appendleft((key, args))

    def close(self) -> None:
        """Stop the pool's processes."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __exit__(self, exc_type: type | None, *exc: object) -> None:
        """On Ctrl-C or SIGTERM the tasks in flight are dropped: their workers end now, not when their plans do."""
        if self._pool is not None and exc_type is not None and issubclass(exc_type, KeyboardInterrupt):
            for process in list(getattr(self._pool, "_processes", {}).values()):  # no public way before 3.14
                process.terminate()
        self.close()


class AutoPool(Executor):
    """Serial until the first task shows the tasks are slow, then a local pool on the idle cores (`pool_for`).

    A spawned worker takes about a second to start and import siting, and a worker on a core another program
    keeps busy only slows both (a shared 2-core machine at load 2: a 20-point demo frontier took 54 s on a
    pool against 45 s serially). So a sweep plans its first task here, then the rest on a pool when that took
    AUTO_POOL_S or more and at least two cores are idle (cores minus the one-minute load average, as `make -l`
    judges it). Anywhere else it runs tasks one after another, as the serial executor does.

    Args:
        workers: the pool's processes at most (cores ÷ solver threads unless told).
    """

    name = "auto"

    def __init__(self, workers: int) -> None:
        super().__init__()
        self.workers = workers

    def pool_for(self, first_seconds: float, remaining: int) -> LocalExecutor | None:
        """A pool for the `remaining` tasks when the first took `first_seconds`, or None (stay serial)."""
        size = min(self.workers, remaining, idle_cores())
        return LocalExecutor(size) if first_seconds >= AUTO_POOL_S and size >= 2 else None


def idle_cores() -> int:
    """Cores this process may use that other programs leave idle (by the one-minute load average)."""
    try:
        busy = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average here: count every core as idle
        busy = 0.0
    return max(0, cores() - round(busy))


class DaskExecutor(Executor):
    """Tasks on a dask.distributed cluster: a LocalCluster of `workers` processes, or the scheduler given.

    Args:
        scheduler: address of a running scheduler (tcp://HOST:PORT); None starts a LocalCluster.
        workers: processes of the LocalCluster, one task each at a time (ignored with a scheduler).
        threads: solver threads per task (to check a given cluster against its cores).
    """

    name = "dask"

    def __init__(self, scheduler: str | None, workers: int, threads: int = 1) -> None:
        super().__init__()
        try:
            from distributed import Client
        except ImportError:
            raise InputError(
                "the dask executor needs dask.distributed: pip install 'siting[dask]'", field="--executor"
            ) from None
        self._cluster, self._client, self.slots = None, None, workers
        if scheduler is not None:
            try:
                self._client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError, ValueError, TypeError) as err:  # a malformed address: Value/TypeError
                raise InputError(
                    f"cannot reach the dask scheduler: {cut(err, 200)} (expected tcp://HOST:PORT)", field="--scheduler"
                ) from None
            self.warnings += oversubscribed(self._client, threads)
            self.slots = max(1, sum(w["nthreads"] for w in self._client.scheduler_info()["workers"].values()))

    @property
    def client(self) -> Any:
        """The dask client; the LocalCluster starts on first use (not at all when every task is done)."""
        if self._client is None:
            from distributed import Client, LocalCluster

            self._cluster = LocalCluster(
                n_workers=self.slots,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self._client = Client(self._cluster)
        return self._client

    def share(self, value: Any) -> Any:
        """The value scattered to the cluster once; tasks receive it by reference."""
        return self.client.scatter(value, hash=False)

    def warm_up(self, module: str) -> None:
        """Start the LocalCluster (if it is ours) and import `module` on every worker."""
        self.client.run(importlib.import_module, module)

    def run(self, fn: Callable, calls: Iterable[Call]) -> Iterator[Done]:
        """Submit every task; dask places them, retries those of a lost worker, and reports each as it ends."""
        from distributed import as_completed

        futures = {self.client.submit(guarded, fn, *args, pure=False): key for key, args in calls}
        for future in as_completed(futures):
            key = futures.pop(future)
            try:
                ok, value = future.result()
            except Exception as err:  # noqa: BLE001 - e.g. KilledWorker: the task's failure, not the sweep's
                yield Done(key, None, describe(err), 1)
                continue
            finally:
                future.release()
            yield _done(key, ok, value)

    def close(self) -> None:
        """Disconnect; stop the LocalCluster when this executor started it."""
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None


def oversubscribed(client: Any, threads: int) -> list[str]:
    """Hosts of a running cluster whose worker threads × solver threads exceed their cores, as warnings."""
    per_host: dict[str, int] = {}
    for worker in client.scheduler_info()["workers"].values():
        per_host[worker["host"]] = per_host.get(worker["host"], 0) + worker["nthreads"]
    host_cores = {}
    for address, count in client.run(os.cpu_count).items():
        host_cores[address.split("://")[-1].rsplit(":", 1)[0]] = count
    return [
        f"{host}: {n} worker threads × {threads} solver thread(s) > {host_cores[host]} cores; "
        f"start its workers with --nthreads {max(1, host_cores[host] // threads)}"
        for host, n in sorted(per_host.items())
        if host in host_cores and n * threads > host_cores[host]
    ]


def make_executor(
    kind: Literal["serial", "local", "dask", "auto"],
    *,
    workers: int | None = None,
    threads: int = 1,
    scheduler: str | None = None,
) -> Executor:
    """The executor asked for, sized so that tasks at once × solver threads <= cores.

    Args:
        kind: serial, local, dask, or auto (AutoPool: serial, or a local pool once the first task is slow).
        workers: tasks at once (default cores // threads); not with a dask scheduler, which has its own.
        threads: solver threads per task.
        scheduler: a dask scheduler's address (dask only).

    Raises:
        InputError: a combination that oversubscribes the cores or means nothing.
    """
    if scheduler is not None and kind != "dask":
        raise InputError("--scheduler is for --executor dask", field="--scheduler")
    if workers is not None and workers < 1:
        raise InputError(f"expected at least 1 worker, got {workers}", field="--workers")
    if scheduler is not None and workers is not None:
        raise InputError("a given dask scheduler has its own workers; leave out --workers", field="--workers")
    available = cores()
    if workers is not None and workers * threads > available:
        raise InputError(
            f"{workers} workers × {threads} solver thread(s) > {available} cores; use at most "
            f"{max(1, available // threads)} workers or fewer threads",
            field="--workers",
        )
    size = workers or max(1, available // threads)
    if kind == "serial":
        return Executor()
    if kind == "local":
        return LocalExecutor(size)
    if kind == "auto":
        return AutoPool(size)
    if kind == "dask":
        return DaskExecutor(scheduler, size, threads)
    raise InputError(f"unknown executor '{kind}'; expected one of {', '.join(EXECUTORS)}", field="--executor")
