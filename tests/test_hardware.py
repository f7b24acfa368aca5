"""Threads from the CPUs this process may use (affinity, cgroup quota), and MPS counted as a GPU."""

from __future__ import annotations

import pytest
import torch

from dreamvideo.render import hardware


@pytest.mark.parametrize("text, cpus", [("max 100000\n", None), ("200000 100000\n", 2.0), ("150000 100000", 1.5),
                                        ("garbage", None)])
def test_the_cgroup_v2_quota_is_read_in_cpus(tmp_path, text, cpus):
    (tmp_path / "cpu.max").write_text(text)
    assert hardware.cgroup_quota(tmp_path / "cpu.max", (tmp_path / "no", tmp_path / "no")) == cpus


def test_the_cgroup_v1_quota_is_read_when_there_is_no_v2(tmp_path):
    quota, period = tmp_path / "quota", tmp_path / "period"
    quota.write_text("300000\n")
    period.write_text("100000\n")
    assert hardware.cgroup_quota(tmp_path / "none", (quota, period)) == 3.0
    quota.write_text("-1\n")  # unlimited
    assert hardware.cgroup_quota(tmp_path / "none", (quota, period)) is None
    assert hardware.cgroup_quota(tmp_path / "none", (tmp_path / "a", tmp_path / "b")) is None


@pytest.mark.parametrize("affinity, quota, usable", [(64, 2.0, 2), (64, None, 64), (4, 8.0, 4), (8, 1.5, 1),
                                                     (8, 0.5, 1)])
def test_usable_cpus_are_the_affinity_capped_by_the_quota(monkeypatch, affinity, quota, usable):
    monkeypatch.setattr(hardware.os, "sched_getaffinity", lambda pid: set(range(affinity)), raising=False)
    monkeypatch.setattr(hardware, "cgroup_quota", lambda: quota)
    assert hardware.usable_cpus() == usable


def test_threads_are_lowered_to_the_usable_cpus_never_raised(monkeypatch):
    before = torch.get_num_threads()
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    try:
        torch.set_num_threads(2)
        monkeypatch.setattr(hardware, "usable_cpus", lambda: 1)
        assert hardware.fit_threads(torch.device("cpu")) == 1
        monkeypatch.setattr(hardware, "usable_cpus", lambda: 16)
        assert hardware.fit_threads(torch.device("cpu")) == 1
        torch.set_num_threads(2)
        monkeypatch.setattr(hardware, "usable_cpus", lambda: 1)
        assert hardware.fit_threads(torch.device("cuda")) == 2  # a GPU render leaves the CPU threads alone
        monkeypatch.setenv("OMP_NUM_THREADS", "2")
        assert hardware.fit_threads(torch.device("cpu")) == 2  # the user's choice stands
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("cuda, mps, gpus", [(2, True, 2), (0, True, 1), (0, False, 0)])
def test_mps_counts_as_one_gpu_for_ray(monkeypatch, cuda, mps, gpus):
    from dreamvideo.distributed.batch import default_workers

    monkeypatch.setattr(torch.cuda, "device_count", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    monkeypatch.setattr(hardware, "usable_cpus", lambda: 3)
    assert hardware.local_gpus() == gpus
    assert default_workers(None) == (gpus or 3)
