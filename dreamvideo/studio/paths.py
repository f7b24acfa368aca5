"""Paths confined to the studio's folder: nothing outside it is readable or writable.

Every path the API takes (files, uploads, a job's input and output) is relative to
FOLDER and goes through :func:`inside`. The check resolves symlinks *before*
comparing, so ``..``, percent-encoded ``%2e%2e`` (decoded by the router before it
gets here), absolute paths and links that lead out are all refused the same way.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from fastapi import HTTPException

from ..media.sequence_output import sidecar_path
from ..render.layout import work_folder


def inside(folder: Path, relative: str, must_exist: bool = False) -> Path:
    """The real path of ``relative`` under ``folder``; 403 when it would leave it, 404 when missing.

    ``folder`` must already be resolved. Absolute paths and drive letters are
    refused: the API speaks only in paths relative to the folder.
    """
    text = (relative or "").replace("\\", "/")
    if not text or text.startswith("/") or re.match(r"^[A-Za-z]:", text) or "\x00" in text:
        raise HTTPException(403, "path must be relative to the studio folder")
    if ".." in PurePosixPath(text).parts:
        raise HTTPException(403, "path leaves the studio folder")
    shown = text if len(text) <= 200 else text[:200] + "..."
    try:
        target = (folder / text).resolve()
    except (OSError, RuntimeError):  # a name too long, a link loop: nothing the folder can hold
        raise HTTPException(404, f"not found: {shown}") from None
    if target != folder and folder not in target.parents:
        raise HTTPException(403, "path leaves the studio folder")
    if must_exist and not _exists(target):
        raise HTTPException(404, f"not found: {shown}")
    return target


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # ENAMETOOLONG and friends: it cannot exist
        return False


def open_inside(folder: Path, target: Path) -> int:
    """A read-only descriptor for ``target`` (already checked by :func:`inside`), checked again once open.

    Between the check and the open, a name could be swapped for a link that leads out (TOCTOU).
    So the file is opened without following a last link and without blocking (a FIFO would hang
    the server), then the path is resolved again and must still be inside and be the very file
    that was opened (same device and inode). Only a regular file passes.
    """
    try:
        fd = os.open(target, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        raise HTTPException(404, f"not found: {relative_name(folder, target)}") from None
    try:
        info, real = os.fstat(fd), target.resolve()
        if not stat.S_ISREG(info.st_mode):
            raise HTTPException(404, f"not a file: {relative_name(folder, target)}")
        now = os.stat(real)
        if (folder not in real.parents) or (now.st_dev, now.st_ino) != (info.st_dev, info.st_ino):
            raise HTTPException(403, "path leaves the studio folder")
    except BaseException:
        os.close(fd)
        raise
    return fd


def relative_name(folder: Path, path: Path) -> str:
    """``path`` relative to the folder without resolving it again (for messages)."""
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return path.name


def hidden(relative_path: str) -> bool:
    """Whether a path names a hidden file or goes through a hidden folder (``.studio``, work frames)."""
    return any(part.startswith(".") for part in PurePosixPath(relative_path).parts)


def relative(folder: Path, path: Path) -> str:
    """``path`` as the API names it: relative to the folder, with forward slashes."""
    return path.resolve().relative_to(folder).as_posix()


def safe_name(name: str, fallback: str = "upload") -> str:
    """A file name that cannot climb or hide: letters, digits, ``-_.``, no leading dot.

    Accents are folded to ASCII rather than dropped, and a long name is cut in its stem
    so it keeps its suffix (the upload's type check reads it).
    """
    base = PurePosixPath((name or "").replace("\\", "/")).name
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()  # été -> ete
    clean = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip(".-")
    stem, dot, suffix = clean.rpartition(".")
    if dot and len(suffix) <= 8 and len(clean) > 120:  # cut the stem, keep the type
        clean = f"{stem[:110].rstrip('.-')}.{suffix}"
    return clean[:120] or fallback


def free_name(folder: Path, name: str, claimed: Callable[[Path], bool] = lambda path: False) -> Path:
    """``folder/name``, or ``stem-2.ext``, ``stem-3.ext`` ... when taken (output, sidecar or kept frames)
    or ``claimed`` (a queued job's output, not on disk yet)."""
    stem, suffix = Path(name).stem, Path(name).suffix
    candidate, n = folder / name, 1
    while taken(candidate) or claimed(candidate):
        n += 1
        candidate = folder / f"{stem}-{n}{suffix}"
    return candidate


def taken(output: Path) -> bool:
    """Whether writing ``output`` would replace a file, its sidecar or another render's kept frames."""
    return output.exists() or sidecar_path(output).exists() or work_folder(output).exists()


def parse_bytes(text: str) -> int:
    """``2GB``, ``500MB``, ``1024`` -> bytes (decimal units, as disks are sold); ValueError otherwise."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*", text.lower())
    if not match:
        raise ValueError(f"'{text}' is not a size such as 2GB or 500MB")
    scale = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}[match.group(2)]
    return int(float(match.group(1)) * scale)
