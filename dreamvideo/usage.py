"""Command-line usage errors as one plain line, and help without typer's type noise.

Typer prints a usage error (``--steps abc``, an unknown option) as a boxed, multi-line
panel; here it is one line on stderr, ``error: MESSAGE (see 'dreamvideo CMD --help')``,
and exit code 2, the usage-error convention of click and most Unix tools. Help no
longer shows ``<bool>`` after flags or ``{IMAGE}`` braces around required arguments.
"""

from __future__ import annotations

import sys
from typing import Any

from typer.core import TyperArgument, TyperGroup, TyperOption
from typer.core import _click as click  # typer vendors click; its errors are these classes
from typer.exceptions import Abort

from .errors import error_line
from .failures import explain

USAGE_EXIT = 2


def usage_line(error: click.exceptions.ClickException) -> str:
    """``error: No such option: --bogus (see 'dreamvideo dream --help')``."""
    message = " ".join(error.format_message().split())
    ctx = getattr(error, "ctx", None)
    hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    return error_line(f"{message}{hint}")


class PlainOption(TyperOption):
    """An option whose help shows no ``<bool>`` after a flag: a flag takes no value."""

    def display_type_rich(self, ctx: click.Context) -> str | None:
        return None if self.is_flag else super().display_type_rich(ctx)


class PlainArgument(TyperArgument):
    """An argument shown as ``IMAGE`` rather than ``{IMAGE}`` in the usage line."""

    def _usage_display_name(self) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")


PLAIN = {TyperOption: PlainOption, TyperArgument: PlainArgument}


def plain_params(command: click.Command) -> None:
    """Give this command's parameters (and its subcommands', all the way down) the plain help above.

    Typer builds its own parameter classes, so they are retyped here, on this program's
    commands only: changing typer's classes themselves would change every typer program
    in the process, on import.
    """
    shown = command.get_help_option(click.Context(command))  # made once and kept by the command
    for param in [*command.params, *([shown] if shown else [])]:
        param.__class__ = PLAIN.get(type(param), type(param))
    for sub in getattr(command, "commands", {}).values():
        plain_params(sub)


class OneLineUsage(TyperGroup):
    """The top-level command group: usage errors become :func:`usage_line` and exit 2; plain help."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plain_params(self)

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError:
            sys.exit(USAGE_EXIT)  # typer has printed the help already
        except click.exceptions.ClickException as exc:
            print(usage_line(exc), file=sys.stderr)
            sys.exit(USAGE_EXIT if isinstance(exc, click.exceptions.UsageError) else exc.exit_code)
        except Abort:  # Ctrl-C at a prompt or between commands: said as the runner says it
            failure = explain(KeyboardInterrupt())
            print(failure.line, file=sys.stderr)
            sys.exit(failure.exit_code)
        sys.exit(result if isinstance(result, int) else 0)
