"""The one runner under every command: options in, settings resolved, errors as one line.

:func:`takes` gives a command the options of the settings it names plus the dream
and run options; :func:`render` resolves defaults < preset < options and runs a
render; :func:`run` turns user errors into one line and exit code 1, Ctrl-C into 130.
"""

from __future__ import annotations

import functools
import inspect
import os
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer
from rich.console import Console

from .errors import SettingsError
from .failures import explain, held_interrupt
from .options import (DREAM, MOTION, OBJECTIVE_OPTIONS, distribution, flags_in, name_term_flags, objective_overrides,
                      parse_pair, setting_option, term_origins)
from .settings.kinds import DREAM_OPTIONS, Kind

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)

RUN_OPTIONS = {
    "preset": Annotated[Optional[str], typer.Option("--preset", "-p", metavar="NAME|FILE",
                        help="Shipped preset name or YAML path (a sidecar works too).")],
    "device": Annotated[Optional[str], typer.Option("--device", metavar="DEVICE", rich_help_panel=DREAM,
                        help="cpu, cuda, cuda:N or mps (default: CUDA, else MPS, else CPU).")],
    "compile": Annotated[bool, typer.Option("--compile", rich_help_panel=DREAM,
                         help="torch.compile the model (worth it on CUDA for long renders).")],
}
KEPT = {"frames_dir": Annotated[Optional[Path], typer.Option("--frames-dir", metavar="DIR", rich_help_panel=MOTION,
                                help="Keep lossless PNG frames here (re-run to resume or re-encode).")],
        "restart": Annotated[bool, typer.Option("--restart", rich_help_panel=MOTION,
                             help="Ignore frames of an earlier, unfinished render.")]}


def takes(kind: Kind, panel: str = MOTION, kept: bool = False, more: dict[str, Any] | None = None) -> Callable:
    """Give a command the options of the settings its ``kind`` takes, plus the dream and run options.

    Typer reads the extended signature; the command receives them in ``**params``.
    """
    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        signature = inspect.signature(command, eval_str=True)
        own = [p for p in signature.parameters.values() if p.kind != inspect.Parameter.VAR_KEYWORD]
        extra = [setting_option(name, panel) for name in kind.options]
        extra += [setting_option(name, DREAM) for name in DREAM_OPTIONS]
        runs = {**OBJECTIVE_OPTIONS, **RUN_OPTIONS, **(KEPT if kept else {}), **(more or {})}
        extra += [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation,
                                    default=False if name in ("compile", "restart") else None)
                  for name, annotation in runs.items()]

        @functools.wraps(command)
        def wrapper(**params: Any) -> None:
            command(**params)

        wrapper.__signature__ = signature.replace(parameters=[*own, *extra])  # type: ignore[attr-defined]
        return wrapper
    return decorate


def run(action: Callable[[], Any], loads_torch: bool = False) -> None:
    """Run a command; user errors are one line on stderr and exit 1, Ctrl-C exits 130.

    A command that ``loads_torch`` loads it first with Ctrl-C held (:func:`.failures.held_interrupt`).
    """
    try:
        if loads_torch:
            with held_interrupt():
                import torch  # noqa: F401
                import torchvision  # noqa: F401
        action()
    except (Exception, KeyboardInterrupt) as exc:  # a bug too: still no traceback unless asked for
        failure = explain(exc, flags_in)
        if failure.bug and os.environ.get("DREAMVIDEO_DEBUG"):
            raise
        err.print(failure.line + (" (set DREAMVIDEO_DEBUG=1 for a traceback)" if failure.bug else ""), markup=False)
        raise typer.Exit(failure.exit_code) from None


def render(kind: str, params: dict[str, Any], *inputs: Any) -> None:
    """Resolve settings (defaults < preset < options) and run a render of the ``kind`` so named.

    With ``workers`` or ``ray_address`` a video is rendered in chunks on Ray workers.
    """
    def action() -> None:
        from . import render as renders
        from .progress import RichReporter

        spread = distribution(params)
        settings = settings_from(params)
        options = renders.RunOptions(device=params.get("device"), restart=bool(params.get("restart")),
                                     frames_dir=params.get("frames_dir"), compile=bool(params.get("compile")),
                                     preset=params.get("preset"))
        with RichReporter(err, flags_in) as progress:
            if spread and not settings.preview:  # a preview dreams nothing: no workers, no model
                from .distributed.driver import render_video
                path = render_video(settings, *inputs, params["output"], options, spread, progress)
            else:
                path = renders.renderer(kind)(settings, *inputs, params["output"], options, progress)
        err.print(f"wrote {path}", markup=False)
    run(action, loads_torch=True)


def settings_from(params: dict[str, Any]) -> Any:
    """Validated settings: defaults, then the preset, then the options given."""
    from .settings import resolve, setting_names

    overrides = {name: params.get(name) for name in setting_names() if name in params}
    for pair in ("translate", "center"):
        if pair in params:
            overrides[pair] = parse_pair(pair, params.get(pair))
    overrides.update(objective_overrides(params))
    try:
        return resolve(params.get("preset"), overrides)
    except SettingsError as exc:
        raise SettingsError(name_term_flags(str(exc), term_origins(params))) from None


def live_run(source: str, params: dict[str, Any]) -> tuple[Any, Any, Any]:
    """``dreamvideo live``'s settings, live options and run options, from its parameters (the CLI's and
    ``--serve``'s one reading of them)."""
    from .live import LiveOptions
    from .render import RunOptions

    flags = {name: bool(params.get(name)) for name in ("window", "virtual_cam", "loop_input")}
    options = LiveOptions(source, params.get("record"), params.get("duration"), params.get("osc"), **flags,
                          timeout=params.get("timeout") or 10.0, midi=params.get("midi"),
                          midi_map=params.get("midi_map"), audio_in=params.get("audio_in"))
    return settings_from(params), options, RunOptions(device=params.get("device"), compile=bool(params.get("compile")))
