"""A job's child dies with the studio, however the studio ends (Ctrl-C, SIGKILL, a crash, out of memory).

Ctrl-C on the server stops the running render itself (SIGINT, frames kept); a killed
server runs no code, and its child would go on rendering with no one to report to,
holding the GPU and the output's work folder. So the child holds a lifeline:

- its stdin is a pipe whose write end only the studio holds. When the studio's process
  ends, the kernel closes that end; the child reads end-of-file and stops as Ctrl-C stops
  it (finished frames stay for a resume), and exits outright :data:`GRACE_S` later if it
  has not (this works wherever pipes do);
- on Linux the child also asks the kernel for that SIGINT when its parent dies
  (``PR_SET_PDEATHSIG``), which needs no thread of the child to be scheduled.

The child sets both up itself, first thing after it starts (:func:`hold`, from
``__main__``), rather than in a ``preexec_fn`` between fork and exec, which is unsafe
in a server with threads. A studio that died before then is seen by the parent pid
the studio passes in :data:`ENV` no longer being the child's parent.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

ENV = "DREAMVIDEO_STUDIO_PID"  # the studio's pid: set for its children only, read (and dropped) by them
GRACE_S = 20.0  # after SIGINT, time to stop as Ctrl-C does before the child exits outright
PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


def child_options() -> dict[str, Any]:
    """Popen arguments that give a child its lifeline (merge ``env`` into the child's environment)."""
    return {"stdin": subprocess.PIPE, "env": {ENV: str(os.getpid())}}


def release(process: subprocess.Popen) -> None:
    """The studio's end of a finished child's lifeline, closed (one descriptor per job otherwise)."""
    if process.stdin is not None:
        process.stdin.close()


def hold() -> None:
    """Child side: stop when the studio that started this process is gone; nothing if no studio did."""
    parent = os.environ.pop(ENV, None)  # this process's own children are not the studio's
    if parent is None:
        return
    # Ctrl-C is how the studio cancels a render: a studio started in the background (``nohup ... &``),
    # whose shell ignored Ctrl-C, would hand that on to its children, and Cancel would do nothing.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    by_kernel = _parent_death_signal()
    if str(os.getppid()) != parent:  # the studio died before the signal was asked for
        threading.Thread(target=_stop, args=(False,), daemon=True).start()
        return
    threading.Thread(target=_watch, args=(by_kernel,), name="studio-lifeline", daemon=True).start()


def _parent_death_signal() -> bool:
    """Linux: SIGINT from the kernel when the parent dies. False where that cannot be asked for."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGINT, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(by_kernel: bool) -> None:
    """Read stdin until end-of-file (the studio never writes to it): then the studio is gone."""
    try:
        while os.read(0, 4096):
            pass
    except OSError:
        pass
    _stop(by_kernel)


def _stop(signalled: bool) -> None:
    """Stop as Ctrl-C stops a render (unless the kernel has sent that already); exit if that hangs."""
    if not signalled:
        os.kill(os.getpid(), signal.SIGINT)
    time.sleep(GRACE_S)
    os._exit(130)
