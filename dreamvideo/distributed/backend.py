"""What both distributed backends (Ray, and worker processes without it) share: the cluster a render
got, the thread count CPU workers pin, how often a dead worker's task is re-run, and how a task's
failure reads in one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import DreamError, first_line

RETRIES = 2  # a task whose worker died is re-run this many times before it fails for good
DIED = f"its worker died {RETRIES + 1} times (out of memory, or killed)"  # the cause, with either backend
# torch's CPU kernels round differently with different thread counts, and a dream
# chain turns that into visible differences within frames. CPU workers therefore
# always use this many threads, so the frames never depend on how many workers run.
CPU_THREADS = 1


@dataclass(frozen=True)
class Cluster:
    """What a render needs to know about the runtime it got."""

    workers: int  # tasks that run at once
    task_options: dict[str, Any]  # resources per task: one GPU, or a share of the CPU cores
    local: bool  # workers run on this machine and can read its files
    gpus: int


def pin_threads(device: Any) -> None:
    """Worker side: a fixed torch thread count on CPU (see :data:`CPU_THREADS`)."""
    import torch

    if getattr(device, "type", "cpu") == "cpu" and torch.get_num_threads() != CPU_THREADS:
        torch.set_num_threads(CPU_THREADS)


def one_line(exc: BaseException) -> str:
    """A task's exception in one line, as both backends report it: a DreamError plainly, else with its type."""
    return first_line(exc) if isinstance(exc, DreamError) else f"{type(exc).__name__}: {first_line(exc)}"
