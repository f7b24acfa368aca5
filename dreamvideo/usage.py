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


class OneLineUsage(TyperGroup):
    """The top-level command group: usage errors become :func:`usage_line` and exit 2."""

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


def _flag_type(self: TyperOption, ctx: click.Context, _plain=TyperOption.display_type_rich) -> str | None:
    """No ``<bool>`` after a flag: a flag takes no value."""
    return None if self.is_flag else _plain(self, ctx)


def _argument_usage(self: TyperArgument) -> str:
    """``IMAGE`` rather than ``{IMAGE}`` for a required argument in the usage line."""
    name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
    return name + ("..." if self.nargs != 1 else "")


TyperOption.display_type_rich = _flag_type  # type: ignore[method-assign]
TyperArgument._usage_display_name = _argument_usage  # type: ignore[method-assign]
