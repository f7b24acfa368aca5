"""Batch files: checked up front with one line per problem; jobs run as Ray tasks and fail alone."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dreamvideo.errors import SettingsError
from dreamvideo.distributed.batch import load_jobs, run_batch, summary

from .conftest import FAST, IMAGES


def write(path: Path, items) -> Path:
    path.write_text(yaml.safe_dump(items))
    return path


def test_every_problem_is_reported_up_front_with_its_item_and_field(tmp_path):
    jobs = write(tmp_path / "jobs.yaml", [
        {"kind": "dream", "input": str(IMAGES / "chelsea.jpg"), "output": "a.jpg"},
        {"kind": "paint", "input": "x.jpg", "output": "b.jpg"},
        {"kind": "zoom", "output": "c.mp4", "options": {"octave_scale": 0.5}},
        {"kind": "video", "input": "missing.mp4", "output": "d.mp4"},
        {"kind": "dream", "input": str(IMAGES / "chelsea.jpg"), "output": "e.mp4", "preset": "no-such"},
        {"kind": "dream", "input": str(IMAGES / "coffee.jpg"), "output": "a.jpg"},
    ])
    with pytest.raises(SettingsError) as caught:
        load_jobs(jobs)
    lines = str(caught.value).splitlines()
    assert lines[0].startswith(f"{jobs}: item 2: kind: ")
    assert lines[1].startswith(f"{jobs}: item 3: options.octave_scale: ")
    assert lines[2] == f"{jobs}: item 4: input: file not found: {tmp_path / 'missing.mp4'}"
    assert lines[3].startswith(f"{jobs}: item 5: preset: preset not found: 'no-such'")
    assert lines[4] == f"{jobs}: item 6: output: also the output of an earlier item"
    assert len(lines) == 5


def test_paths_are_relative_to_the_batch_file_and_zoom_starts_from_noise(tmp_path):
    jobs = load_jobs(write(tmp_path / "jobs.yaml", [{"kind": "zoom", "output": "dive.gif", "preset": "seed-dive"}]))
    assert jobs[0].output == tmp_path / "dive.gif" and jobs[0].input is None
    assert jobs[0].settings.zoom == {0: 1.2}


def test_a_file_that_is_not_a_list_of_jobs_is_one_line(tmp_path):
    with pytest.raises(SettingsError, match="a batch file is a YAML list of jobs"):
        load_jobs(write(tmp_path / "jobs.yaml", {"kind": "dream"}))


def test_one_bad_input_fails_alone(tmp_path, ray_runtime):
    (tmp_path / "broken.jpg").write_bytes(b"not an image")
    fast = {**FAST, "seed": 1, "size": 64}
    jobs = load_jobs(write(tmp_path / "jobs.yaml", [
        {"kind": "dream", "input": str(IMAGES / "chelsea.jpg"), "output": "cat.png", "options": {**fast, "size": 96}},
        {"kind": "dream", "input": "broken.jpg", "output": "broken.png", "options": fast},
        {"kind": "zoom", "output": "dive.gif", "options": {**fast, "size": [48, 48], "frames": 3}},
    ]))
    results = run_batch(jobs, workers=2)
    assert [r.ok for r in results] == [True, False, True], [r.message for r in results]
    assert (tmp_path / "cat.png").is_file() and (tmp_path / "dive.gif").is_file()
    assert (tmp_path / "dive.gif.yaml").is_file() and not (tmp_path / "broken.png").exists()
    assert "cannot read image" in results[1].message and "\n" not in results[1].message
    assert summary(results).row_count == 3


def test_cli_batch_prints_a_summary_and_exits_1_when_a_job_failed(tmp_path, runner, ray_runtime):
    from dreamvideo.cli import app

    (tmp_path / "broken.jpg").write_bytes(b"not an image")
    fast = {**FAST, "seed": 2, "size": 96}
    jobs = write(tmp_path / "jobs.yaml", [
        {"kind": "dream", "input": str(IMAGES / "chelsea.jpg"), "output": "a.png", "options": fast},
        {"kind": "dream", "input": "broken.jpg", "output": "b.png", "options": fast},
        {"kind": "dream", "input": str(IMAGES / "coffee.jpg"), "output": "c.png", "preset": "lite0-textures",
         "options": fast},
    ])
    result = runner.invoke(app, ["batch", str(jobs), "--workers", "2"])
    assert result.exit_code == 1
    assert (tmp_path / "a.png").is_file() and (tmp_path / "c.png").is_file() and not (tmp_path / "b.png").exists()
    assert "1 of 3 job(s) failed" in result.output and "Traceback" not in result.output
    for text in ("job", "status", "time", "output", "ok", "failed", "cannot read image"):
        assert text in result.output


def test_cli_batch_refuses_a_bad_file_before_starting_anything(tmp_path, runner):
    from dreamvideo.cli import app

    jobs = write(tmp_path / "jobs.yaml", [{"kind": "dream", "output": "a.png"}])
    result = runner.invoke(app, ["batch", str(jobs)])
    assert result.exit_code == 1
    assert result.output.strip() == f"{jobs}: item 1: input: a dream job needs an input file"


def test_a_remote_worker_sends_its_output_back_as_bytes(tmp_path):
    """On a cluster without a shared disk the job renders into a temporary folder and the
    driver writes what comes back; nothing appears at the output until then."""
    from dreamvideo.distributed.batch import _publish, run_job

    job = load_jobs(write(tmp_path / "jobs.yaml", [{"kind": "dream", "input": str(IMAGES / "chelsea.jpg"),
                                                    "output": "cat.png", "options": {**FAST, "size": 96}}]))[0]
    ok, seconds, files = run_job(job, str(job.input), False, "cpu")
    assert ok and seconds > 0 and not job.output.exists()
    _publish(job, files)
    assert job.output.read_bytes()[:4] == b"\x89PNG"
    assert yaml.safe_load((tmp_path / "cat.png.yaml").read_text())["steps"] == 2
