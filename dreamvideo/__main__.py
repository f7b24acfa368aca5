"""Entry point of ``dreamvideo`` and ``python -m dreamvideo``.

It imports the command line inside a guard: Ctrl-C in the first moments, while
typer and rich load, is then "interrupted" and exit code 130, not a traceback.
(torch loads later, inside the command runner, which guards it the same way.)
A studio job's child first takes hold of its lifeline to the studio (:mod:`.studio.lifeline`).
"""

import sys


def main() -> None:
    try:
        from .studio.lifeline import hold

        hold()  # nothing unless the studio started this process
        from .cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None
    cli_main()


if __name__ == "__main__":
    main()
