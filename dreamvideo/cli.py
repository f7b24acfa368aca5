"""The ``dreamvideo`` command: thin typer commands over one private runner.

Every command gathers its explicit options, merges them over a preset, and hands
them to the pipeline; ``_run`` turns user errors into one line and exit code 1.
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

from . import __version__, settings as presets
from .errors import DreamError, Interrupted, SettingsError, first_line
from .render import pipeline
from .models import list_models, model_info
from .progress import RichReporter

app = typer.Typer(help="DeepDream stills, infinite-zoom videos and coherent video dreams.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
presets_app = typer.Typer(help="List shipped presets, or show one resolved.", invoke_without_command=True)
app.add_typer(presets_app, name="presets")
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)

DREAM = "Dream"
MOTION = "Zoom and video"


def _option(kind: Any, *flags: str, help: str, panel: str | None = None) -> Any:
    """An option that is None when not given, so a preset's value stays."""
    return Annotated[Optional[kind], typer.Option(*flags, help=help, rich_help_panel=panel)]


Size = _option(str, "--size", "-s", help="Longest side N, or WxH.")
Output = Annotated[Path, typer.Option("--output", "-o", help="Output file.")]
Zoom = _option(float, "--zoom", help="Zoom per frame, in (1, 2] [1.04].", panel=MOTION)
Rotate = _option(float, "--rotate", help="Rotation per frame in degrees.", panel=MOTION)
Translate = _option(str, "--translate", help="Shift per frame in pixels: DX,DY.", panel=MOTION)
Fps = _option(float, "--fps", help="Frames per second [24].", panel=MOTION)
Crf = _option(int, "--crf", help="H.264 quality, 0 (lossless) to 51 [18].", panel=MOTION)
FramesDir = _option(Path, "--frames-dir", help="Keep lossless PNG frames here.", panel=MOTION)
Restart = Annotated[bool, typer.Option("--restart", help="Ignore frames of an earlier, unfinished render.", rich_help_panel=MOTION)]

OPTION_FIELDS = ("model", "weights", "octaves", "octave_scale", "steps", "step_size", "jitter",
                 "smooth", "seed", "precision", "size", "zoom", "rotate", "fps", "crf", "frames",
                 "blend", "coherence", "flow_steps", "start", "end", "max_frames")


def _translate(value: str | None) -> tuple[float, float] | None:
    if value is None:
        return None
    try:
        dx, dy = (float(part) for part in value.split(","))
    except ValueError:
        raise DreamError(f"--translate must be DX,DY (two numbers), got '{value}'") from None
    return dx, dy


def _settings(params: dict[str, Any]) -> presets.Settings:
    overrides = {name: params.get(name) for name in OPTION_FIELDS}
    overrides["layers"] = params.get("layer") or None
    overrides["translate"] = _translate(params.get("translate"))
    return presets.resolve(params.get("preset"), overrides)


def _options(params: dict[str, Any]) -> pipeline.RunOptions:
    return pipeline.RunOptions(device=params.get("device"), restart=params.get("restart", False),
                               frames_dir=params.get("frames_dir"), compile=bool(params.get("compile")))


def _run(action: Callable[[], Any]) -> None:
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
        err.print(str(exc), markup=False)
        raise typer.Exit(1) from None
    except DreamError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(1) from None
    except OSError as exc:
        err.print(f"error: {exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""), markup=False)
        raise typer.Exit(1) from None
    except Exception as exc:  # a bug: still no traceback unless asked for
        if os.environ.get("DREAMVIDEO_DEBUG"):
            raise
        err.print(f"error: unexpected {type(exc).__name__}: {first_line(exc)} "
                  "(set DREAMVIDEO_DEBUG=1 for a traceback)", markup=False)
        raise typer.Exit(1) from None


def _render(render: Callable[..., Path], params: dict[str, Any], *inputs: Any) -> None:
    def action() -> None:
        settings = _settings(params)
        with RichReporter(err) as progress:
            path = render(settings, *inputs, params["output"], _options(params), progress)
        err.print(f"wrote {path}", markup=False)
    _run(action)


# The dream options every render command takes, appended by @with_dream_options.
DREAM_OPTIONS = [
    inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)
    for name, annotation in {
        "preset": _option(str, "--preset", "-p", help="Shipped preset name or YAML path (a sidecar works too)."),
        "model": _option(str, "--model", "-m", help="Model name (see `dreamvideo models`).", panel=DREAM),
        "weights": _option(str, "--weights", help="Weights file for the model.", panel=DREAM),
        "layer": _option(list[str], "--layer", "-l", help="Layer to amplify; repeat for several.", panel=DREAM),
        "octaves": _option(int, "--octaves", help="Extra octaves below full size [4].", panel=DREAM),
        "octave_scale": _option(float, "--octave-scale", help="Scale between octaves, > 1 [1.4].", panel=DREAM),
        "steps": _option(int, "--steps", help="Gradient steps per octave [10].", panel=DREAM),
        "step_size": _option(float, "--step-size", help="Step size [0.05].", panel=DREAM),
        "jitter": _option(int, "--jitter", help="Random roll in pixels, 0 = off [32].", panel=DREAM),
        "smooth": _option(float, "--smooth", help="Gaussian sigma for gradient smoothing, 0 = off.", panel=DREAM),
        "seed": _option(int, "--seed", help="Random seed for reproducible output.", panel=DREAM),
        "precision": _option(str, "--precision", help="auto, fp32 or bf16 (auto = bf16 on CUDA).", panel=DREAM),
        "device": _option(str, "--device", help="cpu, cuda or cuda:N (default: CUDA when present).", panel=DREAM),
        "compile": _option(bool, "--compile", help="torch.compile the model (worth it on CUDA for long renders).",
                           panel=DREAM),
    }.items()
]


def with_dream_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give a command the shared dream options; typer reads the extended signature.

    The command receives them in its ``**options``.
    """
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.kind != inspect.Parameter.VAR_KEYWORD]

    @functools.wraps(command)
    def wrapper(**params: Any) -> None:
        command(**params)

    wrapper.__signature__ = signature.replace(parameters=[*own, *DREAM_OPTIONS])  # type: ignore[attr-defined]
    return wrapper


@app.command()
@with_dream_options
def dream(
    input: Annotated[Path, typer.Argument(help="Image to dream.")],
    output: Output, size: Size = None, **options: Any,
) -> None:
    """Dream a still image."""
    _render(pipeline.render_image, {**locals(), **options}, input)


@app.command()
@with_dream_options
def zoom(
    output: Output,
    from_: Annotated[str, typer.Option("--from", help="'noise' or an image to start from.")] = "noise",
    frames: _option(int, "--frames", "-n", help="Frames to render [60].", panel=MOTION) = None,
    size: Size = None, zoom: Zoom = None, rotate: Rotate = None, translate: Translate = None,
    fps: Fps = None, crf: Crf = None, frames_dir: FramesDir = None, restart: Restart = False,
    **options: Any,
) -> None:
    """Infinite-zoom video: dream, zoom in, dream again. Re-run to resume after Ctrl-C."""
    _render(pipeline.render_zoom, {**locals(), **options}, from_)


@app.command()
@with_dream_options
def video(
    input: Annotated[Path, typer.Argument(help="Video clip to dream.")],
    output: Output,
    blend: _option(float, "--blend", help="Share of the previous dream carried into each frame, 0..1 [0.5].", panel=MOTION) = None,
    coherence: _option(str, "--coherence", help="flow, blend or none (default: flow).", panel=MOTION) = None,
    flow_steps: _option(int, "--flow-steps", help="Steps per octave when flow carries detail (default: steps/2).", panel=MOTION) = None,
    start: _option(float, "--start", help="Start time in seconds.", panel=MOTION) = None,
    end: _option(float, "--end", help="End time in seconds.", panel=MOTION) = None,
    max_frames: _option(int, "--max-frames", help="Stop after N frames.", panel=MOTION) = None,
    size: Size = None, crf: Crf = None, frames_dir: FramesDir = None, restart: Restart = False,
    **options: Any,
) -> None:
    """Dream every frame of a clip without flicker, keeping its fps and audio."""
    _render(pipeline.render_video, {**locals(), **options}, input)


@app.command()
def models() -> None:
    """List the models and where each one's weights would come from."""
    for info in list_models():
        out.print(f"{info.name:20} {info.description}\n{'':20} weights: {info.weights_status()}", markup=False)


@app.command()
def layers(model: Annotated[str, typer.Argument(help="Model name.")]) -> None:
    """List a model's layers: name, channels, stride (default layers marked *)."""
    def action() -> None:
        info = model_info(model)
        out.print(f"{'layer':14} {'alias':11} {'channels':>8} {'stride':>6}", markup=False)
        for spec in info.layers:
            mark = "*" if spec.name in info.default_layers else ""
            out.print(f"{spec.name + mark:14} {','.join(spec.aliases):11} {spec.channels:8d} {spec.stride:6d}",
                      markup=False)
    _run(action)


@presets_app.callback()
def presets_list(ctx: typer.Context) -> None:
    """List shipped presets with a one-line description each."""
    if ctx.invoked_subcommand is None:
        _run(lambda: [out.print(f"{name:18} {presets.describe(name)}", markup=False)
                      for name in presets.shipped_presets()])


@presets_app.command("show")
def presets_show(name: Annotated[str, typer.Argument(help="Preset name or YAML path.")]) -> None:
    """Print a preset resolved over the defaults, as YAML."""
    _run(lambda: out.print(yaml.safe_dump(presets.resolve(name).to_yaml_dict(), sort_keys=False, width=1000),
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
