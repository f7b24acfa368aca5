"""One local Ray runtime for the whole test session (a start costs 3-5 s on 2 cores).

Sized like CI: 2 CPUs, no GPU, a small object store, workers' logs kept off the
terminal. Commands under test find it running and use it instead of starting their own.
"""

from __future__ import annotations

import logging
from typing import Iterator

import pytest


@pytest.fixture(scope="session")
def ray_runtime() -> Iterator[object]:
    ray = pytest.importorskip("ray")
    if not ray.is_initialized():
        ray.init(num_cpus=2, num_gpus=0, include_dashboard=False, object_store_memory=128 * 1024**2,
                 log_to_driver=False, logging_level=logging.ERROR)
    yield ray
    ray.shutdown()
