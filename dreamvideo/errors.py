"""The one exception type the CLI turns into a one-line message and exit code 1."""


class DreamError(Exception):
    """A problem the user can fix (bad input, missing weights, bad numbers).

    The message is shown as is, on one line, without a traceback.
    """
