"""Batch files: checked up front with one line per problem; jobs run as Ray tasks and fail alone."""

from __future__ import annotations

import os
import shutil
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
    assert lines[4] == f"{jobs}: item 6: output: also the output of item 1"
    assert len(lines) == 5


def test_an_output_that_any_job_reads_is_refused_by_any_path_before_anything_runs(tmp_path, runner):
    """The audit's case (job 2 writes job 1's photo) and its cousins: a job's own input, a
    guide, an audio track, a preset that another job's sidecar rewrites, the same file
    reached through a symlink or a hard link, and two jobs writing one file."""
    from dreamvideo.cli import app

    for name in ("victim.jpg", "self.png", "guide.jpg"):
        shutil.copy(IMAGES / "chelsea.jpg", tmp_path / name)
    (tmp_path / "music.mp4").write_bytes(b"audio")
    (tmp_path / "r.png.yaml").write_text("steps: 2\n")
    (tmp_path / "link.jpg").symlink_to(tmp_path / "victim.jpg")
    os.link(tmp_path / "guide.jpg", tmp_path / "hard.png")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    jobs = write(tmp_path / "jobs.yaml", [
        {"kind": "dream", "input": "victim.jpg", "output": "r1.png", "options": {"objective": "guide:guide.jpg"}},
        {"kind": "dream", "input": str(IMAGES / "chelsea.jpg"), "output": "victim.jpg"},
        {"kind": "dream", "input": "self.png", "output": "./sub/../self.png"},
        {"kind": "dream", "input": str(IMAGES / "chelsea.jpg"), "output": "hard.png"},
        {"kind": "zoom", "output": "link.jpg.mp4", "options": {"audio": "music.mp4"}},
        {"kind": "zoom", "output": "music.mp4"},
        {"kind": "dream", "input": str(IMAGES / "coffee.jpg"), "output": "r.png"},
        {"kind": "dream", "input": str(IMAGES / "coffee.jpg"), "output": "x.png", "preset": "r.png.yaml"},
        {"kind": "dream", "input": str(IMAGES / "coffee.jpg"), "output": "link.jpg"},
        {"kind": "dream", "input": str(IMAGES / "coffee.jpg"), "output": "r1.png"},
    ])
    (tmp_path / "sub").mkdir()
    result = runner.invoke(app, ["batch", str(jobs), "--workers", "1"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines == [
        f"{jobs}: item 2: output: {tmp_path / 'victim.jpg'} would overwrite item 1's input file",
        f"{jobs}: item 3: output: {tmp_path / 'sub' / '..' / 'self.png'} would overwrite its own input file",
        f"{jobs}: item 4: output: {tmp_path / 'hard.png'} would overwrite item 1's guide image",
        f"{jobs}: item 6: output: {tmp_path / 'music.mp4'} would overwrite item 5's audio file",
        f"{jobs}: item 7: output: its sidecar {tmp_path / 'r.png.yaml'} would overwrite item 8's preset",
        f"{jobs}: item 9: output: also the output of item 2",
        f"{jobs}: item 9: output: {tmp_path / 'link.jpg'} would overwrite item 1's input file",
        f"{jobs}: item 10: output: also the output of item 1",
    ]
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name in before} == before


def test_preset_and_guide_paths_are_relative_to_the_batch_file_from_any_folder(tmp_path, monkeypatch):
    """``preset:`` and an options guide are found beside the YAML file, a guide the preset
    names beside the preset, whatever the current folder; options' objective replaces the
    preset's layers as on the command line."""
    (tmp_path / "looks").mkdir()
    shutil.copy(IMAGES / "chelsea.jpg", tmp_path / "cat.jpg")
    shutil.copy(IMAGES / "coffee.jpg", tmp_path / "looks" / "cup.jpg")
    (tmp_path / "looks" / "cup.yaml").write_text("objective: block5 + guide:cup.jpg\nsteps: 2\n")
    (tmp_path / "looks" / "plain.yaml").write_text("layers: [block10]\n")
    jobs = write(tmp_path / "jobs.yaml", [
        {"kind": "dream", "input": "cat.jpg", "output": "a.png", "preset": "looks/cup.yaml"},
        {"kind": "dream", "input": "cat.jpg", "output": "b.png", "preset": "looks/plain.yaml",
         "options": {"objective": "guide:cat.jpg"}},
    ])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    first, second = load_jobs(jobs)
    assert first.settings.objective == {0: f"block5 + block10:guide:{tmp_path / 'looks' / 'cup.jpg'}"}
    assert second.settings.objective == {0: f"block10:guide:{tmp_path / 'cat.jpg'}"}
    assert second.settings.layers is None


def test_paths_are_relative_to_the_batch_file_and_zoom_starts_from_noise(tmp_path):
    jobs = load_jobs(write(tmp_path / "jobs.yaml", [{"kind": "zoom", "output": "dive.gif", "preset": "seed-dive"}]))
    assert jobs[0].output == tmp_path / "dive.gif" and jobs[0].input is None
    assert jobs[0].settings.zoom == {0: 1.2}


def test_a_dream_item_is_a_still_and_noise_is_no_input_for_it(tmp_path):
    """``dream`` (the command) and ``still`` (the kind) name one kind; only a zoom starts from
    noise, so a still given "noise" is refused up front instead of failing once running."""
    cat = str(IMAGES / "chelsea.jpg")
    jobs = load_jobs(write(tmp_path / "jobs.yaml", [{"kind": "dream", "input": cat, "output": "a.png"},
                                                    {"kind": "still", "input": cat, "output": "b.png"}]))
    assert [(job.kind, job.name) for job in jobs] == [("still", "1 dream"), ("still", "2 dream")]
    noise = write(tmp_path / "noise.yaml", [{"kind": "dream", "input": "noise", "output": "c.png"}])
    with pytest.raises(SettingsError) as caught:
        load_jobs(noise)
    assert str(caught.value) == f"{noise}: item 1: input: a dream job needs an input file"


def test_a_video_item_may_read_an_image_sequence_and_a_zoom_may_not(tmp_path):
    """A folder or a frame pattern is a video's input (the render checks it whole when the job runs)."""
    (tmp_path / "shots").mkdir()
    jobs = load_jobs(write(tmp_path / "jobs.yaml", [{"kind": "video", "input": "shots", "output": "a.mp4"},
                                                    {"kind": "video", "input": "shots/f_%04d.png", "output": "b.mp4"}]))
    assert [job.input for job in jobs] == [tmp_path / "shots", tmp_path / "shots" / "f_%04d.png"]
    zoom = write(tmp_path / "zoom.yaml", [{"kind": "zoom", "input": "shots", "output": "c.mp4"}])
    with pytest.raises(SettingsError) as caught:
        load_jobs(zoom)
    assert str(caught.value) == f"{zoom}: item 1: input: a directory, not a file: {tmp_path / 'shots'}"


def test_a_zoom_replaying_a_sidecar_starts_from_the_image_it_records(tmp_path):
    """As on the command line: the sidecar's start image, unless the item names one (noise
    included); it counts as a file the batch reads, so no output may overwrite it."""
    shutil.copy(IMAGES / "coffee.jpg", tmp_path / "coffee.jpg")
    (tmp_path / "a.mp4.yaml").write_text("steps: 2\nmeta:\n  from: coffee.jpg\n")
    jobs = load_jobs(write(tmp_path / "jobs.yaml", [
        {"kind": "zoom", "output": "b.mp4", "preset": "a.mp4.yaml"},
        {"kind": "zoom", "output": "c.mp4", "preset": "a.mp4.yaml", "input": "noise"}]))
    assert [job.input for job in jobs] == [tmp_path / "coffee.jpg", None]
    with pytest.raises(SettingsError) as caught:
        load_jobs(write(tmp_path / "jobs.yaml", [
            {"kind": "zoom", "output": "b.mp4", "preset": "a.mp4.yaml"},
            {"kind": "dream", "input": str(IMAGES / "chelsea.jpg"), "output": "coffee.jpg"}]))
    assert str(caught.value) == (f"{tmp_path / 'jobs.yaml'}: item 2: output: {tmp_path / 'coffee.jpg'} "
                                 "would overwrite item 1's start image")


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


def test_a_remote_worker_sends_a_whole_image_sequence_back(tmp_path):
    """A sequence comes back as its frames and sidecar, moved into place whole beside the user's files."""
    from dreamvideo.distributed.batch import _publish, run_job

    (tmp_path / "seq").mkdir()
    (tmp_path / "seq" / "notes.txt").write_text("mine")
    job = load_jobs(write(tmp_path / "jobs.yaml", [{"kind": "zoom", "output": "seq/f_%03d.png",
                                                    "options": {"preview": True, "size": [64, 48], "frames": 3}}]))[0]
    ok, _, files = run_job(job, None, False, "cpu")
    assert ok, files
    assert sorted(p.name for p in (tmp_path / "seq").iterdir()) == ["notes.txt"]
    _publish(job, files)
    assert sorted(p.name for p in (tmp_path / "seq").iterdir()) == ["f.yaml", "f_001.png", "f_002.png", "f_003.png",
                                                                    "notes.txt"]
    assert yaml.safe_load((tmp_path / "seq" / "f.yaml").read_text())["meta"]["preview"] is True


def test_every_output_format_is_accepted_and_a_wrong_one_named_up_front(tmp_path):
    (tmp_path / "clip.mp4").write_bytes(b"a clip")
    fine = [{"kind": "zoom", "output": "a.webm"},
            {"kind": "zoom", "output": "new/f_%05d.png", "options": {"bit_depth": 16}},
            {"kind": "video", "input": "clip.mp4", "output": "c.mov", "options": {"codec": "hap"}}]
    assert [job.output for job in load_jobs(write(tmp_path / "jobs.yaml", fine))] == [
        tmp_path / "a.webm", tmp_path / "new" / "f_%05d.png", tmp_path / "c.mov"]
    jobs = write(tmp_path / "jobs.yaml", [
        {"kind": "zoom", "output": "d.mov", "options": {"codec": "h264"}},
        {"kind": "dream", "input": str(IMAGES / "chelsea.jpg"), "output": "e.webm"},
        {"kind": "zoom", "output": "x/y/f_%05d.png"},
        {"kind": "zoom", "output": "g.avi"}])
    with pytest.raises(SettingsError) as caught:
        load_jobs(jobs)
    assert str(caught.value).splitlines() == [
        f"{jobs}: item 1: output: `codec` 'h264' does not go in .mov; it takes: prores (default), prores4444, hap, "
        "hap_q, dnxhr",
        f"{jobs}: item 2: output: unsupported output type '.webm'; use one of: .jpg, .jpeg, .png, .webp, .bmp, .tif, "
        ".tiff",
        f"{jobs}: item 3: output: folder does not exist: {tmp_path / 'x'}",
        f"{jobs}: item 4: output: unsupported output type '.avi'; use one of: .mp4, .webm, .mov, .webp, .apng, .gif "
        f"or an image sequence DIR/NAME_%05d.png"]


def test_a_hostile_expression_in_a_preset_or_a_batch_item_is_one_line(tmp_path):
    """Presets and batch options take the same bounded path as --zoom (this hung before)."""
    (tmp_path / "tower.yaml").write_text('zoom: "0:(9**9**9**9)"\n')
    long_sum = "0:(" + "+".join(["1"] * 1500) + ")"
    jobs = write(tmp_path / "jobs.yaml", [{"kind": "zoom", "output": "a.mp4", "preset": "tower.yaml"},
                                          {"kind": "zoom", "output": "b.mp4", "options": {"zoom": long_sum}}])
    with pytest.raises(SettingsError) as caught:
        load_jobs(jobs)
    assert str(caught.value).splitlines() == [
        f"{jobs}: item 1: preset: zoom: keyframe 0: '9**9**9' is too large a number (beyond 1e308)",
        f"{jobs}: item 2: options.zoom: keyframe 0: expression of 2999 characters; at most 2000"]


def test_a_large_batch_is_checked_whole(tmp_path):
    """2,000 items sharing presets and inputs load (each preset read once, outputs checked
    against each other by key, not pairwise; 10,001 items took 36 s before, 3.5-4 s after,
    on a shared 2-core machine); a clash at the end is still found."""
    shutil.copy(IMAGES / "chelsea.jpg", tmp_path / "cat.jpg")
    items = [{"kind": "dream", "input": "cat.jpg", "output": f"out{n}.png", "preset": ("lite0", "seed-dive")[n % 2],
              "options": {"seed": n}} for n in range(2000)]
    jobs = load_jobs(write(tmp_path / "jobs.yaml", items))
    assert len(jobs) == 2000 and jobs[-1].settings.seed == 1999 and jobs[-1].output == tmp_path / "out1999.png"
    with pytest.raises(SettingsError) as caught:
        load_jobs(write(tmp_path / "jobs.yaml", [*items, {**items[0], "output": "cat.jpg"}]))
    assert str(caught.value) == (f"{tmp_path / 'jobs.yaml'}: item 2001: output: {tmp_path / 'cat.jpg'} "
                                 "would overwrite its own input file (and 2000 more)")
