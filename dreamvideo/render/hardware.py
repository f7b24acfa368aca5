"""What this process may use: CPUs (affinity and cgroup quota, not the host's count) and GPUs.

torch starts as many threads as the host has cores. In a container limited to two
CPUs of a 64-core host (a cgroup quota) or under ``taskset`` that is far too many:
threads beyond the CPUs granted only wait on each other (docs/benchmarks.md,
Scaling, measured 2 threads 15x slower than 1 on a loaded 2-core machine).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import torch

CGROUP_V2 = Path("/sys/fs/cgroup/cpu.max")
CGROUP_V1 = (Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"), Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us"))


def cgroup_quota(v2: Path = CGROUP_V2, v1: tuple[Path, Path] = CGROUP_V1) -> float | None:
    """CPUs' worth of time the cgroup may use (``cpu.max`` "200000 100000" -> 2.0), None if unlimited."""
    try:
        quota, _, period = v2.read_text().strip().partition(" ")
    except OSError:
        try:
            quota, period = (path.read_text().strip() for path in v1)
        except OSError:
            return None
    try:
        value, per = int(quota), int(period or 100000)
    except ValueError:  # "max": no limit
        return None
    return value / per if value > 0 and per > 0 else None


def usable_cpus() -> int:
    """CPUs this process may run on: its affinity mask, capped by the cgroup quota (at least 1)."""
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows: no affinity masks
        count = os.cpu_count() or 1
    quota = cgroup_quota()
    if quota is not None:
        count = min(count, math.floor(quota))
    return max(1, count)


def fit_threads(device: torch.device) -> int:
    """Lower torch's CPU threads to the usable CPUs (never raise them); returns the count in force.

    ``OMP_NUM_THREADS`` or an earlier ``torch.set_num_threads`` below that is kept as it is.
    """
    if device.type == "cpu" and "OMP_NUM_THREADS" not in os.environ:
        usable = usable_cpus()
        if torch.get_num_threads() > usable:
            torch.set_num_threads(usable)
    return torch.get_num_threads()


def mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())


def local_gpus() -> int:
    """GPUs a local Ray runtime may hand to tasks: CUDA devices, else Apple's MPS as one."""
    return torch.cuda.device_count() or (1 if mps_available() else 0)
