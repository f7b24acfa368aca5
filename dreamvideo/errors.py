"""The exceptions the CLI turns into one line: user errors (exit 1) and Ctrl-C (exit 130).

The phrases several layers say the same way live here too (``error: ``, a missing
frame, how to resume), so a user reads one wording wherever a render stops.
:mod:`.failures` turns any exception into its line and status for the CLI and the studio.
"""

RUN_AGAIN = "run the same command again"


class DreamError(Exception):
    """A problem the user can fix (bad input, missing weights, bad numbers).

    The message is shown as is, on one line, without a traceback. Low-level code
    names settings (``octave_scale``); the CLI alone turns them into ``--flags``.
    """


class SettingsError(DreamError):
    """Validation failed; the message is one ``source: field: message`` line per problem."""


class Interrupted(Exception):
    """Ctrl-C during a render; the message says where the frames are and how to resume."""


def error_line(message: str) -> str:
    """The one form a user error takes on the command line and on the studio page."""
    return f"error: {message}"


def interrupted(kept: str, folder: object) -> Interrupted:
    """Ctrl-C's line: what was kept where, and how to go on (``kept``: "3 finished frame(s)")."""
    return Interrupted(f"interrupted: {kept} kept in {folder}; {RUN_AGAIN} to resume")


def missing_frame(index: int, where: object, remedy: str = f"{RUN_AGAIN} to remake it") -> DreamError:
    """A frame an assembly needs is not where it was made (``where``: the folder, or more words)."""
    return DreamError(f"frame {index} is missing from {where}; {remedy}")


def not_a_file(what: str, path: object) -> DreamError:
    """``what`` at ``path`` cannot be read: "is a directory" when it is one, else "not found"
    (a folder given by mistake is not missing, and saying so sends the user looking)."""
    from pathlib import Path

    found = "is a directory, not a file" if Path(str(path)).expanduser().is_dir() else "not found"
    return DreamError(f"{what} {found}: {path}")


def first_line(error: BaseException | str, limit: int = 200) -> str:
    """The first non-empty line of an error, shortened: tool errors can run to pages."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if not lines:
        return type(error).__name__ if isinstance(error, BaseException) else "no details"
    return lines[0][:limit]
