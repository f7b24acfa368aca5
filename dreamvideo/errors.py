"""The one exception type the CLI turns into a one-line message and exit code 1."""


class DreamError(Exception):
    """A problem the user can fix (bad input, missing weights, bad numbers).

    The message is shown as is, on one line, without a traceback.
    """


def first_line(error: BaseException | str, limit: int = 200) -> str:
    """The first non-empty line of an error, shortened: tool errors can run to pages."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if not lines:
        return type(error).__name__ if isinstance(error, BaseException) else "no details"
    return lines[0][:limit]
