"""One way to say an error: any exception becomes an exit status, an HTTP status and its line.

The CLI's runner and the studio's routes both ask :func:`explain`, so a problem reads
the same in a terminal and on the page. Lower layers name settings in backquotes
(`octave_scale`); the caller passes the function that turns them into its own words
(``options.flags_in``), so nothing here knows what a flag is.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .errors import DreamError, Interrupted, SettingsError, error_line, first_line
from .media.memory import out_of_memory


@dataclass(frozen=True)
class Failure:
    """How one exception is reported."""

    exit_code: int  # the CLI's: 1 for a user error or a bug, 130 for Ctrl-C
    status: int  # the studio's: 422 bad settings, 400 another user error, 500 a bug
    line: str  # what the user reads (bad settings: one line per problem)
    bug: bool = False  # not the user's doing: the CLI shows a traceback when asked to


def explain(exc: BaseException, names: Callable[[str], str] = str) -> Failure:
    """The exit status, HTTP status and line for ``exc``; ``names`` words the `settings` it names."""
    if isinstance(exc, Interrupted):
        return Failure(130, 500, str(exc))
    if isinstance(exc, KeyboardInterrupt):
        return Failure(130, 500, "interrupted")
    if isinstance(exc, SettingsError):  # its lines already say where each problem was written
        return Failure(1, 422, names(str(exc)))
    if isinstance(exc, DreamError):
        return Failure(1, 400, error_line(names(str(exc))))
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return Failure(1, 400, error_line(f"{exc.strerror or exc}{where}"))
    if (memory := out_of_memory(exc)) is not None:
        return explain(memory, names)
    return Failure(1, 500, error_line(f"unexpected {type(exc).__name__}: {first_line(exc)}"), bug=True)


@contextmanager
def held_interrupt() -> Iterator[None]:
    """Hold Ctrl-C while torch's native libraries load, and raise it once they are in.

    A KeyboardInterrupt raised in Python code that C++ calls while torch loads cannot unwind
    through the C++: the process aborts ("terminate called after throwing ... KeyboardInterrupt",
    exit -6), about one Ctrl-C in 60 during ``import torch, torchvision`` here. Held, it arrives
    a moment later as an ordinary KeyboardInterrupt: "interrupted", exit 130.
    """
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # no Ctrl-C reaches this code
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt
