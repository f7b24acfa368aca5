"""One way to say an error: the command line and the studio give one failure the same line."""

from __future__ import annotations

# ruff: noqa: F811  (fixtures are imported by name, pytest injects them by name)
import errno

import pytest

from dreamvideo import render
from dreamvideo.cli import app
from dreamvideo.errors import DreamError
from tests.studio_fixtures import client, folder  # noqa: F401

OUT_OF_MEMORY = RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 8589934592 bytes")


@pytest.mark.parametrize("error, code, status, words", [
    (DreamError("`octave_scale` is too small"), 1, 400, "error: --octave-scale is too small"),
    (OSError(errno.ENOSPC, "No space left on device", "o.png"), 1, 400, "error: No space left on device: o.png"),
    (OUT_OF_MEMORY, 1, 400, "error: out of memory dreaming (it needed 8.0 GiB more); use a smaller --size"),
    (RuntimeError("boom\nmore"), 1, 500, "error: unexpected RuntimeError: boom"),
])
def test_the_cli_and_the_studio_say_a_failure_in_the_same_line(error, code, status, words, runner, client, tmp_path,
                                                                 chelsea, monkeypatch):
    """Before, the studio called running out of memory a bug (500) and left out the file an
    OSError named; both now say what the CLI says, each in its own words: flags on the command
    line, the page's labels in the studio (`octave_scale` is "--octave-scale" and "Octave scale")."""
    from dreamvideo.studio.routers import renders
    from dreamvideo.studio.words import in_words

    def fail(*args, **kwargs):
        raise error
    monkeypatch.setattr(render, "render_still", fail)
    monkeypatch.setattr(renders, "page", fail)
    cli = runner.invoke(app, ["dream", str(chelsea), "-o", str(tmp_path / "o.png")])
    page = client.get("/api/renders")
    assert (cli.exit_code, page.status_code) == (code, status)
    line = page.json()["error"]
    assert line.startswith(in_words(words)) and "\n" not in line and "--" not in line
    assert in_words(cli.stderr.strip()).startswith(line)  # the CLI adds only its DREAMVIDEO_DEBUG hint to a bug
    assert cli.stderr.strip().startswith(words)


def test_ctrl_c_while_torch_loads_is_held_until_it_is_in_then_raised():
    """A Ctrl-C raised inside torch's C++ loading aborts the process (exit -6); held, it is a plain interrupt."""
    import os
    import signal

    from dreamvideo.failures import held_interrupt

    before = signal.getsignal(signal.SIGINT)
    finished = False
    with pytest.raises(KeyboardInterrupt):
        with held_interrupt():
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):  # bytecode runs: an unheld Ctrl-C would be raised in here
                pass
            finished = True
    assert finished and signal.getsignal(signal.SIGINT) is before
    with held_interrupt():  # no Ctrl-C: nothing raised
        pass
    assert signal.getsignal(signal.SIGINT) is before
