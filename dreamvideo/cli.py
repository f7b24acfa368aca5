"""The ``dreamvideo`` command: thin typer commands over one private runner.

Every command gathers its explicit options, merges them over a preset, and hands
them to the pipeline; ``_run`` turns user errors into one line and exit code 1.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer
import yaml
from rich.console import Console

from . import __version__, pipeline, presets
from .errors import DreamError
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

# Shared options, declared once; None means "not given", so a preset's value stays.
Preset = Annotated[Optional[str], typer.Option("--preset", "-p", help="Shipped preset name or YAML path (a sidecar works too).")]
Model = Annotated[Optional[str], typer.Option("--model", "-m", help="Model name (see `dreamvideo models`).", rich_help_panel=DREAM)]
Weights = Annotated[Optional[str], typer.Option("--weights", help="Weights file for the model.", rich_help_panel=DREAM)]
Layer = Annotated[Optional[list[str]], typer.Option("--layer", "-l", help="Layer to amplify; repeat for several.", rich_help_panel=DREAM)]
Octaves = Annotated[Optional[int], typer.Option("--octaves", help="Extra octaves below full size [4].", rich_help_panel=DREAM)]
OctaveScale = Annotated[Optional[float], typer.Option("--octave-scale", help="Scale between octaves, > 1 [1.4].", rich_help_panel=DREAM)]
Steps = Annotated[Optional[int], typer.Option("--steps", help="Gradient steps per octave [10].", rich_help_panel=DREAM)]
StepSize = Annotated[Optional[float], typer.Option("--step-size", help="Step size [0.05].", rich_help_panel=DREAM)]
Jitter = Annotated[Optional[int], typer.Option("--jitter", help="Random roll in pixels, 0 = off [32].", rich_help_panel=DREAM)]
Smooth = Annotated[Optional[float], typer.Option("--smooth", help="Gaussian sigma for gradient smoothing, 0 = off.", rich_help_panel=DREAM)]
Seed = Annotated[Optional[int], typer.Option("--seed", help="Random seed for reproducible output.", rich_help_panel=DREAM)]
Precision = Annotated[Optional[str], typer.Option("--precision", help="auto, fp32 or bf16 (auto = bf16 on CUDA).", rich_help_panel=DREAM)]
Device = Annotated[Optional[str], typer.Option("--device", help="cpu, cuda or cuda:N (default: CUDA when present).", rich_help_panel=DREAM)]
Compile = Annotated[bool, typer.Option("--compile", help="torch.compile the model (worth it on CUDA for long renders).", rich_help_panel=DREAM)]
Size = Annotated[Optional[str], typer.Option("--size", "-s", help="Longest side N, or WxH.")]
Output = Annotated[Path, typer.Option("--output", "-o", help="Output file.")]
Zoom = Annotated[Optional[float], typer.Option("--zoom", help="Zoom per frame, in (1, 2] [1.04].", rich_help_panel=MOTION)]
Rotate = Annotated[Optional[float], typer.Option("--rotate", help="Rotation per frame in degrees.", rich_help_panel=MOTION)]
Translate = Annotated[Optional[str], typer.Option("--translate", help="Shift per frame in pixels: DX,DY.", rich_help_panel=MOTION)]
Fps = Annotated[Optional[float], typer.Option("--fps", help="Frames per second [24].", rich_help_panel=MOTION)]
Crf = Annotated[Optional[int], typer.Option("--crf", help="H.264 quality, 0 (lossless) to 51 [18].", rich_help_panel=MOTION)]
FramesDir = Annotated[Optional[Path], typer.Option("--frames-dir", help="Keep lossless PNG frames here.", rich_help_panel=MOTION)]
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
                               frames_dir=params.get("frames_dir"), compile=params.get("compile", False))


def _run(action: Callable[[], Any]) -> None:
    """Run a command; user errors are one line on stderr and exit 1, Ctrl-C exits 130."""
    try:
        action()
    except pipeline.Interrupted as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(130) from None
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        raise typer.Exit(130) from None
    except presets.SettingsError as exc:
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
        err.print(f"error: unexpected {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} "
                  "(set DREAMVIDEO_DEBUG=1 for a traceback)", markup=False)
        raise typer.Exit(1) from None


def _render(render: Callable[..., Path], params: dict[str, Any], *inputs: Any) -> None:
    def action() -> None:
        settings = _settings(params)
        with RichReporter(err) as progress:
            path = render(settings, *inputs, params["output"], _options(params), progress)
        err.print(f"wrote {path}", markup=False)
    _run(action)


@app.command()
def dream(
    input: Annotated[Path, typer.Argument(help="Image to dream.")],
    output: Output, preset: Preset = None, model: Model = None, weights: Weights = None,
    layer: Layer = None, octaves: Octaves = None, octave_scale: OctaveScale = None,
    steps: Steps = None, step_size: StepSize = None, jitter: Jitter = None,
    smooth: Smooth = None, size: Size = None, seed: Seed = None,
    precision: Precision = None, device: Device = None, compile: Compile = False,
) -> None:
    """Dream a still image."""
    _render(pipeline.render_image, locals(), input)


@app.command()
def zoom(
    output: Output,
    from_: Annotated[str, typer.Option("--from", help="'noise' or an image to start from.")] = "noise",
    frames: Annotated[Optional[int], typer.Option("--frames", "-n", help="Frames to render [60].", rich_help_panel=MOTION)] = None,
    size: Size = None, zoom: Zoom = None, rotate: Rotate = None, translate: Translate = None,
    fps: Fps = None, crf: Crf = None, frames_dir: FramesDir = None, restart: Restart = False,
    preset: Preset = None, model: Model = None, weights: Weights = None, layer: Layer = None,
    octaves: Octaves = None, octave_scale: OctaveScale = None, steps: Steps = None,
    step_size: StepSize = None, jitter: Jitter = None, smooth: Smooth = None, seed: Seed = None,
    precision: Precision = None, device: Device = None, compile: Compile = False,
) -> None:
    """Infinite-zoom video: dream, zoom in, dream again. Re-run to resume after Ctrl-C."""
    _render(pipeline.render_zoom, locals(), from_)


@app.command()
def video(
    input: Annotated[Path, typer.Argument(help="Video clip to dream.")],
    output: Output,
    blend: Annotated[Optional[float], typer.Option("--blend", help="Share of the previous dream carried into each frame, 0..1 [0.5].", rich_help_panel=MOTION)] = None,
    coherence: Annotated[Optional[str], typer.Option("--coherence", help="flow, blend or none [flow].", rich_help_panel=MOTION)] = None,
    flow_steps: Annotated[Optional[int], typer.Option("--flow-steps", help="Steps per octave when flow carries detail [steps/2].", rich_help_panel=MOTION)] = None,
    start: Annotated[Optional[float], typer.Option("--start", help="Start time in seconds.", rich_help_panel=MOTION)] = None,
    end: Annotated[Optional[float], typer.Option("--end", help="End time in seconds.", rich_help_panel=MOTION)] = None,
    max_frames: Annotated[Optional[int], typer.Option("--max-frames", help="Stop after N frames.", rich_help_panel=MOTION)] = None,
    size: Size = None, crf: Crf = None, frames_dir: FramesDir = None, restart: Restart = False,
    preset: Preset = None, model: Model = None, weights: Weights = None, layer: Layer = None,
    octaves: Octaves = None, octave_scale: OctaveScale = None, steps: Steps = None,
    step_size: StepSize = None, jitter: Jitter = None, smooth: Smooth = None, seed: Seed = None,
    precision: Precision = None, device: Device = None, compile: Compile = False,
) -> None:
    """Dream every frame of a clip without flicker, keeping its fps and audio."""
    _render(pipeline.render_video, locals(), input)


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
        out.print(f"{'layer':14} {'alias':8} {'channels':>8} {'stride':>6}", markup=False)
        for spec in info.layers:
            mark = "*" if spec.name in info.default_layers else ""
            alias = ",".join(spec.aliases).replace("_blocks.", "")
            out.print(f"{spec.name + mark:14} {alias:8} {spec.channels:8d} {spec.stride:6d}", markup=False)
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
