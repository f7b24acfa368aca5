"""Output files that are never half-written: checked before work, written under a temporary
name, fsynced, renamed into place.

Naming of temporary files lives here alone (:func:`partial_path`): a hidden sibling
``.STEM.PID.partial.SUFFIX`` (``.STEM.PID-TAG.partial.SUFFIX`` for a second temporary
of the same output, e.g. the audio mux). The process id lets the next run tell a
file left by a killed run (SIGKILL, power cut) from one another render is writing
right now: :func:`clean_stale` removes the first kind, and the old pid-less
``.STEM.partial.SUFFIX`` of earlier versions.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
from pathlib import Path
from typing import Hashable, Iterator

from ..errors import DreamError

_WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EACCES, errno.EPERM, errno.EROFS, errno.EIO}


def partial_path(path: Path, tag: str = "") -> Path:
    """A hidden sibling with the same suffix, so ffmpeg and PIL still pick the format."""
    return path.with_name(f".{path.stem}.{os.getpid()}{'-' + tag if tag else ''}.partial{path.suffix}")


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (one of another user counts): its temporaries are still in use."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def clean_stale(path: Path) -> list[Path]:
    """Remove temporaries of ``path`` left by runs that are no longer alive; return them.

    Also matches a temporary of a temporary (``..STEM.PID.partial.PID.partial.SUFFIX``),
    which a writer nested inside another atomic write makes.
    """
    part = r"(?:\.(\d+)(?:-\w+)?)?\.partial"
    pattern = re.compile(rf"\.\.?{re.escape(path.stem)}(?:{part})+{re.escape(path.suffix)}")
    removed = []
    try:
        siblings = list(path.parent.iterdir())
    except OSError:
        return removed
    for sibling in siblings:
        if not pattern.fullmatch(sibling.name):
            continue
        pids = {int(pid) for pid in re.findall(r"\.(\d+)(?:-\w+)?\.partial", sibling.name)}
        if os.getpid() in pids or any(alive(pid) for pid in pids):
            continue
        with contextlib.suppress(OSError):
            sibling.unlink()
            removed.append(sibling)
    return removed


def check_output(path: Path, suffixes: tuple[str, ...]) -> None:
    """Fail before any work when the output could not be written, naming the user's path."""
    if path.is_dir():  # first: a folder's name says nothing about the type wanted
        raise DreamError(f"output {path} is a directory; give a file name, e.g. {path / ('out' + suffixes[0])}")
    if path.suffix.lower() not in suffixes:
        raise DreamError(f"unsupported output type '{path.suffix or path.name}'; use one of: "
                         + ", ".join(suffixes))
    if not path.parent.is_dir():
        raise DreamError(f"output directory does not exist: {path.parent}")
    probe = partial_path(path, "probe")
    try:
        probe.touch()
    except OSError as exc:
        raise DreamError(f"cannot write {path}: {exc.strerror or exc} (folder {path.parent})") from None
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
    clean_stale(path)


def identity(path: Path) -> Hashable:
    """The same key for every path to one file (symlinks, hard links, ``..``): its inode,
    or for a file not there yet, its folder's inode and its name (a stat, not a resolve:
    a 10,000-job batch makes 20,000 of them)."""
    for place, name in ((path, ""), (path.parent, path.name)):
        try:
            status = place.stat()
        except OSError:
            continue
        return status.st_dev, status.st_ino, name
    return str(path)


def same_file(first: Path, second: Path) -> bool:
    """Whether two paths, spelled however, name one file (a resume compares files, not spellings)."""
    return identity(first) == identity(second)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Make a rename durable: the directory entry is data too."""
    with contextlib.suppress(OSError):  # some filesystems refuse fsync on a directory
        fsync_file(folder)


@contextlib.contextmanager
def atomic(path: Path, tag: str = "") -> Iterator[Path]:
    """Yield a temporary path; fsync it and rename it onto ``path`` only if the block succeeds.

    A power cut can then leave the old file or the new one under ``path``, never a
    half-written one. Write errors name ``path``, not the hidden temporary.
    """
    clean_stale(path)
    tmp = partial_path(path, tag)
    try:
        yield tmp
        fsync_file(tmp)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        if exc.errno not in _WRITE_ERRORS:
            raise
        raise DreamError(f"cannot write {path}: {exc.strerror}") from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
