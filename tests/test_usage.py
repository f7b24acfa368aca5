"""The installed command behaves like a Unix tool at its edges (pipes closed early)."""

import subprocess
import sys


def test_a_listing_piped_into_head_ends_without_a_traceback():
    """``dreamvideo layers MODEL | head -1``: the closed pipe must not print a traceback."""
    proc = subprocess.Popen([sys.executable, "-m", "dreamvideo", "layers", "efficientnet-lite0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()  # what head does after its line
    _, stderr = proc.communicate(timeout=60)
    assert first.split()[0] == b"layer"
    assert b"Traceback" not in stderr, stderr.decode()
