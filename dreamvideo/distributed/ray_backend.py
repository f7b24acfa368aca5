"""Ray, only when asked for: a runtime to spread renders over workers, GPUs and machines.

Nothing here imports Ray at module level; ``import dreamvideo`` never pays for it,
and a machine without Ray only fails when ``--workers`` is used. Workers need
not share a file system with the driver: inputs travel through Ray's object
store when the cluster is remote, and results come back the same way.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Hashable, Iterator

from ..errors import DreamError, first_line
from .backend import CPU_THREADS, DIED, RETRIES, Cluster, one_line

# How long to wait for a cluster given by --ray-address (Ray itself retries for minutes).
TIMEOUT_ENV, DEFAULT_TIMEOUT = "DREAMVIDEO_RAY_TIMEOUT", 15.0


def ray_module() -> Any:
    try:
        import ray
    except ImportError:
        raise DreamError("workers need Ray, which is not installed: pip install 'dreamvideo[ray]'") from None
    return ray


def _quiet() -> dict[str, Any]:
    """Keep Ray's own chatter off the user's terminal; errors still reach us as exceptions."""
    return {"log_to_driver": False, "logging_level": logging.ERROR, "configure_logging": True}


def check_workers(workers: int, address: str | None) -> None:
    """One bound, said the same wherever it is checked: 0 means "all of a cluster's"."""
    if workers < (0 if address else 1):
        raise DreamError(f"`workers` must be at least 1, or 0 with `ray_address` (every GPU or core "
                         f"of the cluster); got {workers}")


def connect_timeout() -> float:
    """Seconds to wait for a cluster: ``DREAMVIDEO_RAY_TIMEOUT``, else 15."""
    text = os.environ.get(TIMEOUT_ENV, "").strip()
    try:
        value = float(text) if text else DEFAULT_TIMEOUT
    except ValueError:
        raise DreamError(f"{TIMEOUT_ENV} must be a number of seconds, got '{text}'") from None
    return value if value > 0 else DEFAULT_TIMEOUT


def probe(address: str | None, timeout: float | None = None) -> None:
    """A TCP connection to ``host:port`` first: a closed port or an unreachable host is named
    at once, where ``ray.init`` would retry for minutes, printing its own log lines."""
    host, sep, port = (address or "").removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit():
        return  # "auto" and the like: Ray finds the address itself, and fails fast when none runs
    timeout = timeout or connect_timeout()
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        reason = (f"no answer within {timeout:g} s ({TIMEOUT_ENV} sets how long)" if isinstance(exc, TimeoutError)
                  else (exc.strerror or type(exc).__name__).lower())
        raise DreamError(f"cannot connect to the Ray cluster at {address}: {reason}") from None


# Connects and leaves, in a child process: a stand-in for ray.init that can be stopped.
_TRIAL = ("import logging, sys, ray; ray.init(address=sys.argv[1], log_to_driver=False, "
          "logging_level=logging.ERROR); ray.shutdown()")


def _trial(address: str, timeout: float) -> None:
    """Ray itself must answer at ``address`` within ``timeout``: a port that accepts
    connections but is not Ray keeps ``ray.init`` retrying for minutes, printing its own
    log lines. So a child process connects first, quietly, and is killed if it takes too
    long; only then does this process connect (at the cost of one extra Ray start-up)."""
    try:
        done = subprocess.run([sys.executable, "-c", _TRIAL, address], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise DreamError(f"cannot connect to the Ray cluster at {address}: no answer from Ray within "
                         f"{timeout:g} s ({TIMEOUT_ENV} sets how long)") from None
    if done.returncode:
        lines = [line for line in done.stderr.splitlines() if line.strip() and not line.startswith((" ", "["))]
        raise DreamError(f"cannot connect to the Ray cluster at {address}: "
                         f"{first_line(lines[-1] if lines else done.stderr)}")


def _start(ray: Any, workers: int, address: str | None) -> None:
    if address:
        timeout = connect_timeout()
        probe(address, timeout)
        _trial(address, timeout)
        try:
            ray.init(address=address, **_quiet())
        except Exception as exc:  # ConnectionError, ValueError, RuntimeError, depending on the failure
            raise DreamError(f"cannot connect to the Ray cluster at {address}: {first_line(exc)}") from None
        return
    from ..render.hardware import local_gpus, usable_cpus

    gpus = local_gpus()  # CUDA devices, or Apple's MPS as one
    cpus = usable_cpus() if gpus else workers
    ray.init(num_cpus=cpus, num_gpus=min(gpus, workers), include_dashboard=False, **_quiet())


def describe(ray: Any, workers: int, local: bool) -> Cluster:
    """One task per GPU when there are GPUs; otherwise ``workers`` one-core tasks.

    A CPU worker dreams on one thread (see :data:`CPU_THREADS`), whatever the number
    of workers, so the frames do not depend on how many there are.
    """
    resources = ray.cluster_resources()
    gpus = int(resources.get("GPU", 0))
    workers = workers or 10**6  # 0: all of a cluster's GPUs or cores
    if gpus:
        return Cluster(min(workers, gpus), {"num_gpus": 1, "num_cpus": 1}, local, gpus)
    return Cluster(min(workers, max(1, int(resources.get("CPU", 1)))), {"num_cpus": CPU_THREADS}, local, 0)


@contextlib.contextmanager
def connect(workers: int, address: str | None = None) -> Iterator[Cluster]:
    """A Ray runtime for one command: local with ``workers`` workers, or an existing cluster.

    A runtime that is already up (a test session, a notebook) is used as it is and
    left running; one started here is shut down at the end.
    """
    check_workers(workers, address)
    ray = ray_module()
    started = not ray.is_initialized()
    if started:
        _start(ray, workers, address)
    try:
        yield describe(ray, workers, local=not address)
    finally:
        if started:
            ray.shutdown()


def ship(path: Path, cluster: Cluster) -> Any:
    """A file the workers can open: its path on a local runtime, else its bytes in the object store."""
    if cluster.local:
        return str(path.resolve())
    return (path.name, ray_module().put(path.read_bytes()))


_MATERIALISED: dict[str, Path] = {}


def materialise(handle: Any) -> Path:
    """Worker side: the shipped file as a local path (written once per worker process)."""
    if isinstance(handle, str):
        return Path(handle)
    name, ref = handle
    key = ref.hex()
    if key not in _MATERIALISED:
        folder = Path(tempfile.mkdtemp(prefix="dreamvideo-input-"))
        path = folder / name
        path.write_bytes(ray_module().get(ref))
        _MATERIALISED[key] = path
    return _MATERIALISED[key]


def cause(exc: BaseException) -> str:
    """One line saying why a task failed for good, without Ray's wrapping."""
    ray = ray_module()
    inner = getattr(exc, "cause", None) or exc
    if not isinstance(inner, DreamError):
        if isinstance(exc, ray.exceptions.WorkerCrashedError) or "died" in str(exc).split("\n")[0]:
            return DIED
        if isinstance(exc, ray.exceptions.TaskCancelledError):
            return "cancelled"
    return one_line(inner)


def stream(generators: dict[Hashable, Any], on_item: Callable[[Hashable, Any], None],
           on_done: Callable[[Hashable], None]) -> dict[Hashable, str]:
    """Consume the items of many streaming Ray tasks as they arrive, in any order.

    Returns the one-line cause of each task that failed for good; the others run on,
    so their work is kept. Ctrl-C cancels every task still running.
    """
    ray = ray_module()
    keys = {id(gen): key for key, gen in generators.items()}
    pending = list(generators.values())
    failures: dict[Hashable, str] = {}
    try:
        while pending:
            ready, _ = ray.wait(pending, num_returns=1, timeout=1.0)
            for gen in ready:
                key = keys[id(gen)]
                try:
                    item = ray.get(next(gen))
                except StopIteration:
                    pending.remove(gen)
                    on_done(key)
                    continue
                except Exception as exc:  # a task that failed for good, after Ray's retries
                    pending.remove(gen)
                    failures[key] = cause(exc)
                    continue
                on_item(key, item)
    except BaseException:
        for gen in pending:
            ray.cancel(gen, force=True)
        raise
    return failures


def run_streaming(function: Callable[[Any], Any], arguments: dict[Hashable, Any], cluster: Cluster,
                  on_item: Callable[[Hashable, Any], None], on_done: Callable[[Hashable], None]) -> dict[Hashable, str]:
    """``function(argument)`` (a generator) as a streaming Ray task per key, retried when its worker
    dies; items as they arrive (:func:`stream`). The shape of ``process_backend.run_streaming``."""
    remote = ray_module().remote(max_retries=RETRIES)(function).options(**cluster.task_options)
    return stream({key: remote.remote(argument) for key, argument in arguments.items()}, on_item, on_done)


def installed() -> bool:
    """Whether Ray could be imported, without importing it."""
    import importlib.util

    return importlib.util.find_spec("ray") is not None
