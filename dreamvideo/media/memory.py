"""Telling running out of memory apart from a bug, so the user gets a line that says what to do.

torch reports CPU exhaustion as a plain ``RuntimeError`` ("DefaultCPUAllocator: can't
allocate memory: you tried to allocate N bytes"), numpy and PIL as ``MemoryError``
or numpy's ``_ArrayMemoryError``; CUDA's is ``torch.OutOfMemoryError``, Apple MPS's a
``RuntimeError`` ("MPS backend out of memory", in some torch versions). The CLI
asks :func:`out_of_memory` before it reports an unexpected error.
"""

from __future__ import annotations

import re

from ..errors import DreamError

_PATTERNS = (r"can't allocate memory", r"DefaultCPUAllocator", r"out of memory",
             r"Unable to allocate", r"std::bad_alloc", r"Cannot allocate memory")


def is_out_of_memory(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError) or type(exc).__name__ in ("OutOfMemoryError", "_ArrayMemoryError"):
        return True
    return isinstance(exc, RuntimeError) and any(re.search(p, str(exc)) for p in _PATTERNS)


def _wanted(exc: BaseException) -> str:
    match = re.search(r"allocate (?:memory: you tried to allocate )?(\d+) bytes", str(exc))
    return f" (it needed {int(match.group(1)) / 2**30:.1f} GiB more)" if match else ""


def out_of_memory(exc: BaseException, size: tuple[int, int] | None = None) -> DreamError | None:
    """A one-line :class:`DreamError` for an out-of-memory error, or None for anything else."""
    if not is_out_of_memory(exc):
        return None
    at = f" at {size[0]}x{size[1]}" if size else ""
    return DreamError(f"out of memory dreaming{at}{_wanted(exc)}; use a smaller `size`, fewer `octaves` "
                      "or a smaller model, or 'tile: 512' in a preset")
