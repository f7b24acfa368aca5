"""Entry point of ``dreamvideo`` and ``python -m dreamvideo``.

It imports the command line inside a guard: Ctrl-C in the first moments, while
typer and rich load or typer builds and parses the command line, is then
"interrupted" and exit code 130, not a traceback.
(torch loads later, inside the command runner, with Ctrl-C held until it is in:
raised inside torch's loading, a KeyboardInterrupt would abort the process.)
A studio job's child first takes hold of its lifeline to the studio (:mod:`.studio.lifeline`).
Once the command is done, :func:`end` ends the process, so a late Ctrl-C is a line too.
"""

import atexit
import os
import signal
import sys
import threading
from typing import NoReturn


def main() -> None:
    # torch's OpenMP threads (libgomp) spin 300,000 times before they sleep while they wait for each other.
    # Beside any other work (another app, a second render) a spinning thread holds the core the other
    # thread needs: the README's zoom took 15x longer with one core busy elsewhere. Spinning 10,000 times
    # costs nothing measurable on a quiet machine and cuts that to 2.5x (benchmarks/bench_wait.py).
    # Set before torch loads; a user's own OMP_WAIT_POLICY or GOMP_SPINCOUNT wins.
    if not {"OMP_WAIT_POLICY", "GOMP_SPINCOUNT"} & os.environ.keys():
        os.environ["GOMP_SPINCOUNT"] = "10000"
    try:
        from .studio.lifeline import hold

        hold()  # nothing unless the studio started this process
        from .cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None
    try:
        cli_main()
    except SystemExit as done:
        end(done.code)
    except KeyboardInterrupt:  # outside a command's runner: while typer builds or parses the command line
        sys.stderr.write("interrupted\n")
        end(130)


def end(code: object) -> NoReturn:
    """End the process after the command finished (its last line, e.g. ``wrote OUT``, is out).

    The interpreter's own teardown frees torch's modules one by one for seconds, and has
    by then dropped Python's Ctrl-C handler: a Ctrl-C there killed the process without a
    word (130, after "wrote"). So the exit functions run here, under a handler that says
    what happened, and the teardown is skipped: every output is written, synced and
    renamed before its "wrote" line, and nothing of ours is left open.
    """
    signal.signal(signal.SIGINT, _interrupted_at_exit)
    if not isinstance(code, int | None):
        sys.stderr.write(f"{code}\n")  # what SystemExit("message") does
    threading._shutdown()  # type: ignore[attr-defined]  # the interpreter's first step: join threads
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away (| head), or a closed stream
            pass
    os._exit((code or 0) if isinstance(code, int | None) else 1)


def _interrupted_at_exit(signum: int, frame: object) -> None:
    sys.stderr.write("interrupted while exiting; the command had finished (what it wrote is complete)\n")
    sys.stderr.flush()
    os._exit(130)


if __name__ == "__main__":
    main()
