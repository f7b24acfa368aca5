"""One machine's cores without Ray: a single-thread worker process per core.

Two one-thread processes beat one two-thread process on a shared machine (threads
of one process wait on each other at every layer), and Ray is a large dependency
for work that never leaves the machine. So chunked video can also run on plain
``multiprocessing`` 'spawn' processes, with the shape of :mod:`.ray_backend`:
:func:`connect` yields a :class:`~.backend.Cluster`, files are shipped as local
paths, and :func:`run_streaming` feeds the items of every task to the driver as they come.

Each worker has its own pipe to the driver, so a worker killed mid-message cannot
wedge a lock the others share. A chunk whose worker dies is run again in a fresh
worker (at most :data:`~.backend.RETRIES` times) and the items it had already
delivered are skipped: a chunk is deterministic, so the run again yields them again.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Hashable, Iterator

from ..errors import DreamError
from .backend import CPU_THREADS, DIED, RETRIES, Cluster, one_line


def check_workers(workers: int) -> None:
    if workers < 1:
        raise DreamError(f"`workers` must be at least 1 with the processes `backend`; got {workers}")


@contextlib.contextmanager
def connect(workers: int, address: str | None = None) -> Iterator[Cluster]:
    """``workers`` one-thread processes on this machine (started by :func:`run_streaming`, ended with it)."""
    if address:
        raise DreamError("the processes `backend` runs on this machine only; leave out `ray_address`, "
                         "or use the ray `backend`")
    check_workers(workers)
    yield Cluster(workers, {"num_cpus": CPU_THREADS}, local=True, gpus=0)


def _serve(conn: Connection) -> None:
    """Worker process: run each (function, argument) sent, sending back every item, then "done" or one line."""
    while (task := conn.recv()) is not None:
        function, argument = task
        try:
            for item in function(argument):
                conn.send(("item", item))
            conn.send(("done", None))
        except Exception as exc:  # the chunk failed for good: said in one line, as Ray's cause() does
            conn.send(("error", one_line(exc)))


@dataclass
class _Worker:
    process: Any
    conn: Connection
    key: Hashable | None = None
    seen: int = 0  # items of the current task received in this try


@dataclass
class _Pool:
    """The driver's side: its workers, the tasks still to run and what each has delivered."""

    function: Callable[[Any], Any]
    arguments: dict[Hashable, Any]
    size: int
    todo: deque = field(default_factory=deque)
    delivered: dict[Hashable, int] = field(default_factory=dict)
    tries: dict[Hashable, int] = field(default_factory=dict)
    workers: list[_Worker] = field(default_factory=list)

    def start(self) -> _Worker:
        ctx = multiprocessing.get_context("spawn")
        ours, theirs = ctx.Pipe()
        process = ctx.Process(target=_serve, args=(theirs,), daemon=True, name="dreamvideo-worker")
        process.start()
        theirs.close()  # the worker holds its end: when it dies, ours reads EOF
        worker = _Worker(process, ours)
        self.workers.append(worker)
        return worker

    def assign(self, worker: _Worker) -> None:
        """The next task to an idle worker, or the worker is told to end."""
        if not self.todo:
            worker.conn.send(None)
            worker.key = None
            return
        worker.key, worker.seen = self.todo.popleft(), 0
        self.tries[worker.key] = self.tries.get(worker.key, 0) + 1
        worker.conn.send((self.function, self.arguments[worker.key]))

    def died(self, worker: _Worker, failures: dict[Hashable, str]) -> None:
        """A worker that ended mid-task: its task runs again in a fresh worker, or fails for good."""
        self.workers.remove(worker)
        worker.conn.close()
        worker.process.join(timeout=5)
        if worker.key is None:
            return
        if self.tries[worker.key] > RETRIES:
            failures[worker.key] = DIED
        else:
            self.todo.appendleft(worker.key)
        if self.todo:
            self.assign(self.start())

    def stop(self) -> None:
        for worker in self.workers:
            if worker.process.is_alive():
                worker.process.kill()
            worker.process.join(timeout=5)
            worker.conn.close()


def _receive(pool: _Pool, worker: _Worker, on_item: Callable[[Hashable, Any], None],
             on_done: Callable[[Hashable], None], failures: dict[Hashable, str]) -> None:
    try:
        kind, payload = worker.conn.recv()
    except (EOFError, OSError):
        pool.died(worker, failures)
        return
    key = worker.key
    if kind == "item":
        worker.seen += 1
        if worker.seen > pool.delivered[key]:  # a task run again yields its delivered items again
            pool.delivered[key] += 1
            on_item(key, payload)
        return
    if kind == "done":
        on_done(key)
    else:
        failures[key] = payload
    pool.assign(worker)


def run_streaming(function: Callable[[Any], Any], arguments: dict[Hashable, Any], cluster: Cluster,
           on_item: Callable[[Hashable, Any], None], on_done: Callable[[Hashable], None]) -> dict[Hashable, str]:
    """Run ``function(argument)`` (a generator, importable by name) for every key on the cluster's
    workers, feeding its items to ``on_item`` as they arrive; returns the one-line cause of each
    task that failed for good. Ctrl-C (or any error here) kills every worker."""
    pool = _Pool(function, arguments, cluster.workers, deque(arguments), {k: 0 for k in arguments})
    failures: dict[Hashable, str] = {}
    try:
        for _ in range(min(pool.size, len(arguments))):
            pool.assign(pool.start())
        while busy := [w for w in pool.workers if w.key is not None]:
            for conn in wait([w.conn for w in busy]):
                _receive(pool, next(w for w in busy if w.conn is conn), on_item, on_done, failures)
    finally:
        pool.stop()
    return failures
