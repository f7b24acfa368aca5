"""The ``dreamvideo`` command: thin typer commands over one runner.

Each render command names the settings it takes (options are built from the
``Settings`` fields), merges them over a preset and hands them to a render;
:func:`run` turns user errors into one line and exit code 1. Torch and the render
code load only when a command needs them, so help and listings answer at once.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer
import yaml
from rich.console import Console

from . import __version__
from .errors import DreamError, Interrupted, SettingsError, first_line
from .options import (DISTRIBUTED, DREAM, MOTION, OBJECTIVE_OPTIONS, RayAddress, distribution, flags_in,
                      objective_overrides, parse_pair, setting_option)
from .usage import OneLineUsage

app = typer.Typer(help="DeepDream stills, infinite-zoom videos and coherent video dreams.", cls=OneLineUsage,
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
presets_app = typer.Typer(help="List shipped presets, or show one resolved.", invoke_without_command=True)
app.add_typer(presets_app, name="presets")
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)

DREAM_SETTINGS = ("model", "weights", "layers", "objective", "objective_blend", "octaves", "octave_scale", "steps",
                  "step_size", "jitter", "smooth", "seed", "precision")
RUN_OPTIONS = {
    "preset": Annotated[Optional[str], typer.Option("--preset", "-p", metavar="NAME|FILE",
                        help="Shipped preset name or YAML path (a sidecar works too).")],
    "device": Annotated[Optional[str], typer.Option("--device", metavar="DEVICE", rich_help_panel=DREAM,
                        help="cpu, cuda or cuda:N (default: CUDA when present).")],
    "compile": Annotated[bool, typer.Option("--compile", rich_help_panel=DREAM,
                         help="torch.compile the model (worth it on CUDA for long renders).")],
}
KEPT = {"frames_dir": Annotated[Optional[Path], typer.Option("--frames-dir", metavar="DIR", rich_help_panel=MOTION,
                                help="Keep lossless PNG frames here (re-run to resume or re-encode).")],
        "restart": Annotated[bool, typer.Option("--restart", rich_help_panel=MOTION,
                             help="Ignore frames of an earlier, unfinished render.")]}


def takes(*settings: str, panel: str = MOTION, kept: bool = False, more: dict[str, Any] | None = None) -> Callable:
    """Give a command the options for ``settings`` plus the dream and run options.

    Typer reads the extended signature; the command receives them in ``**params``.
    """
    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        signature = inspect.signature(command, eval_str=True)
        own = [p for p in signature.parameters.values() if p.kind != inspect.Parameter.VAR_KEYWORD]
        extra = [setting_option(name, panel) for name in settings]
        extra += [setting_option(name, DREAM) for name in DREAM_SETTINGS]
        runs = {**OBJECTIVE_OPTIONS, **RUN_OPTIONS, **(KEPT if kept else {}), **(more or {})}
        extra += [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=kind,
                                    default=False if name in ("compile", "restart") else None)
                  for name, kind in runs.items()]

        @functools.wraps(command)
        def wrapper(**params: Any) -> None:
            command(**params)

        wrapper.__signature__ = signature.replace(parameters=[*own, *extra])  # type: ignore[attr-defined]
        return wrapper
    return decorate


def run(action: Callable[[], Any]) -> None:
    """Run a command; user errors are one line on stderr and exit 1, Ctrl-C exits 130."""
    try:
        action()
    except Interrupted as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(130) from None
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        raise typer.Exit(130) from None
    except SettingsError as exc:
        err.print(flags_in(str(exc)), markup=False)
        raise typer.Exit(1) from None
    except DreamError as exc:
        err.print(f"error: {flags_in(str(exc))}", markup=False)
        raise typer.Exit(1) from None
    except OSError as exc:
        err.print(f"error: {exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""), markup=False)
        raise typer.Exit(1) from None
    except Exception as exc:  # a bug: still no traceback unless asked for
        from .media.memory import out_of_memory

        if (memory := out_of_memory(exc)) is not None:
            err.print(f"error: {flags_in(str(memory))}", markup=False)
            raise typer.Exit(1) from None
        if os.environ.get("DREAMVIDEO_DEBUG"):
            raise
        err.print(f"error: unexpected {type(exc).__name__}: {first_line(exc)} "
                  "(set DREAMVIDEO_DEBUG=1 for a traceback)", markup=False)
        raise typer.Exit(1) from None


def render(kind: str, params: dict[str, Any], *inputs: Any) -> None:
    """Resolve settings (defaults < preset < options) and run the render ``kind``.

    With ``workers`` or ``ray_address`` a video is rendered in chunks on Ray workers.
    """
    def action() -> None:
        from . import render as renders
        from .progress import RichReporter
        from .settings import resolve, setting_names

        spread = distribution(params)

        overrides = {name: params.get(name) for name in setting_names() if name in params}
        for pair in ("translate", "center"):
            if pair in params:
                overrides[pair] = parse_pair(pair, params.get(pair))
        overrides.update(objective_overrides(params))
        settings = resolve(params.get("preset"), overrides)
        options = renders.RunOptions(device=params.get("device"), restart=bool(params.get("restart")),
                                     frames_dir=params.get("frames_dir"), compile=bool(params.get("compile")))
        with RichReporter(err) as progress:
            if spread:
                from .render.chunked import render_video
                path = render_video(settings, *inputs, params["output"], options, spread, progress)
            else:
                path = getattr(renders, f"render_{kind}")(settings, *inputs, params["output"], options, progress)
        err.print(f"wrote {path}", markup=False)
    run(action)


Output = Annotated[Path, typer.Option("--output", "-o", metavar="FILE", help="Output file.")]


@app.command()
@takes("size", panel=DREAM)
def dream(input: Annotated[Path, typer.Argument(metavar="IMAGE", help="Image to dream.")],
          output: Output, **params: Any) -> None:
    """Dream a still image."""
    render("image", {"output": output, **params}, input)


@app.command()
@takes("frames", "size", "zoom", "rotate", "translate", "center", "interpolation", "audio",
       "frame_octaves", "frame_steps", "fps", "crf", kept=True)
def zoom(output: Output,
         from_: Annotated[str, typer.Option("--from", metavar="noise|IMAGE",
                                            help="'noise' or an image to start from.")] = "noise",
         **params: Any) -> None:
    """Infinite-zoom video: dream, zoom in, dream again. Re-run to resume after Ctrl-C.

    Moves take a number or Deforum keyframes, e.g. --zoom "0:(1.01 + 0.08*bass)" with --audio.
    """
    render("zoom", {"output": output, **params}, from_)


@app.command("audio-features")
def audio_features(
    track: Annotated[Path, typer.Argument(metavar="AUDIO", help="Music file (mp3, wav, m4a, a video ...).")],
    output: Output,
    fps: Annotated[float, typer.Option("--fps", min=1, max=240, help="Frames per second, as for zoom.")] = 24.0,
) -> None:
    """Plot a track's per-frame features (rms, bass, mid, treble, onset) that --audio feeds expressions."""
    def action() -> None:
        from .media import audio
        from .media.encode import check_output

        check_output(output, (".png", ".svg", ".pdf", ".jpg"))
        features = audio.analyse(track, fps)
        audio.plot(features, output)
        err.print(f"wrote {output} ({features.frames} frames at {fps:g} fps, {features.duration:.2f} s)",
                  markup=False)
    run(action)


@app.command()
@takes("coherence", "blend", "flow_steps", "start", "end", "max_frames", "size", "crf", kept=True, more=DISTRIBUTED)
def video(input: Annotated[Path, typer.Argument(metavar="VIDEO", help="Video clip to dream.")],
          output: Output, **params: Any) -> None:
    """Dream every frame of a clip without flicker, keeping its fps and audio."""
    render("video", {"output": output, **params}, input)


@app.command()
def batch(jobs: Annotated[Path, typer.Argument(metavar="JOBS.yaml", help="YAML list of renders.")],
          workers: Annotated[Optional[int], typer.Option(
              "--workers", min=1, metavar="N", help="Jobs at once (default: one per GPU, else per core).")] = None,
          ray_address: RayAddress = None,
          device: Annotated[Optional[str], typer.Option("--device", metavar="DEVICE",
                            help="cpu or cuda (default: CUDA when the worker has it).")] = None) -> None:
    """Run a YAML list of renders (dream, zoom, video) as Ray tasks, several at once.

    Each item: kind, input (a zoom's start image; default noise), output, preset,
    options (settings, as in a preset). Paths are relative to the YAML file.
    """
    def action() -> None:
        from .progress import RichReporter
        from .render.batch import default_workers, load_jobs, run_batch, summary

        checked = load_jobs(jobs)
        with RichReporter(err) as progress:
            results = run_batch(checked, workers or default_workers(ray_address), ray_address, device, progress)
        out.print(summary(results))
        failed = sum(not r.ok for r in results)
        if failed:
            raise DreamError(f"{failed} of {len(results)} job(s) failed; the others are written")
    run(action)


@app.command()
def models() -> None:
    """List the models and where each one's weights would come from."""
    from .models import list_models

    for info in list_models():
        out.print(f"{info.name:20} {info.description}\n{'':20} weights: {flags_in(info.weights_status())}",
                  markup=False)


@app.command()
def layers(model: Annotated[str, typer.Argument(metavar="MODEL", help="Model name.")]) -> None:
    """List a model's layers: name, channels, stride (default layers marked *)."""
    def action() -> None:
        from .models import model_info

        info = model_info(model)
        out.print(f"{'layer':14} {'alias':11} {'channels':>8} {'stride':>6}", markup=False)
        for spec in info.layers:
            mark = "*" if spec.name in info.default_layers else ""
            out.print(f"{spec.name + mark:14} {','.join(spec.aliases):11} {spec.channels:8d} {spec.stride:6d}",
                      markup=False)
    run(action)


@app.command()
def classes(query: Annotated[Optional[str], typer.Argument(metavar="QUERY",
                                                           help="Part of a class name, or an index.")] = None) -> None:
    """List ImageNet class names with their indices (for --class and class: terms)."""
    def action() -> None:
        from .models.classes import class_name, find_class, search

        text = (query or "").strip()
        found = [find_class(text)] if text.isdigit() else search(text)
        if not found:
            found = [find_class(text)]   # a name spelled inside the query, else close matches
        for index in found:
            out.print(f"{index:4d}  {class_name(index)}", markup=False)
    run(action)


@presets_app.callback()
def presets_list(ctx: typer.Context) -> None:
    """List shipped presets with a one-line description each."""
    from .settings import describe, shipped_presets

    if ctx.invoked_subcommand is None:
        run(lambda: [out.print(f"{name:18} {describe(name)}", markup=False) for name in shipped_presets()])


@presets_app.command("show")
def presets_show(name: Annotated[str, typer.Argument(metavar="NAME|FILE", help="Preset name or YAML path.")]) -> None:
    """Print a preset resolved over the defaults, as YAML."""
    from .settings import resolve

    run(lambda: out.print(yaml.safe_dump(resolve(name).to_yaml_dict(), sort_keys=False, width=1000),
                          markup=False, end=""))


def version_callback(value: bool) -> None:
    if value:
        out.print(f"dreamvideo {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """DeepDream stills, infinite-zoom videos and coherent video dreams."""


def main() -> None:
    app(prog_name="dreamvideo")


if __name__ == "__main__":
    sys.exit(main())
