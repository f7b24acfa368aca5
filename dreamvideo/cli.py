"""The ``dreamvideo`` command: thin typer commands over one runner (:mod:`.runner`).

Each render command takes the options of its kind's settings (``settings/kinds.py``; options are built from the
``Settings`` fields); the runner merges them over a preset, runs the render and
turns user errors into one line. Torch and the render code load only when a
command needs them, so help and listings answer at once.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
import yaml

from . import __version__
from .errors import DreamError
from .media import quiet_libraries
from .media.formats import video_suffixes
from .options import DISTRIBUTED, DREAM, LIVE, LIVE_OPTIONS, RayAddress, flags_in
from .listings import classes, formats, layers, models
from .runner import err, out, render, run, takes
from .settings.kinds import KINDS
from .usage import OneLineUsage

app = typer.Typer(help="DeepDream stills, infinite-zoom videos and coherent video dreams.", cls=OneLineUsage,
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
presets_app = typer.Typer(help="List shipped presets, or show one resolved.", invoke_without_command=True)
app.add_typer(presets_app, name="presets")

Output = Annotated[Path, typer.Option("--output", "-o", metavar="FILE", help="Output file.")]
VideoOutput = Annotated[Path, typer.Option(
    "--output", "-o", metavar="FILE", help=f"Output: {', '.join(video_suffixes())}, or an image sequence "
    "DIR/NAME_%05d.png (`dreamvideo formats` lists them; --codec picks among a container's).")]


@app.command()
@takes(KINDS["still"], panel=DREAM)
def dream(input: Annotated[Path, typer.Argument(metavar="IMAGE", help="Image to dream.")],
          output: Output, **params: Any) -> None:
    """Dream a still image."""
    render("still", {"output": output, **params}, input)


@app.command()
@takes(KINDS["zoom"], kept=True)
def zoom(output: VideoOutput,
         from_: Annotated[Optional[str], typer.Option(
             "--from", metavar="noise|IMAGE",
             help="'noise' or an image to start from (default: noise, or the start image of a replayed sidecar).")]
         = None,
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


@app.command(context_settings={"allow_extra_args": True})  # a glob the shell expanded: said in one line
@takes(KINDS["video"], kept=True, more=DISTRIBUTED)
def video(ctx: typer.Context,
          input: Annotated[Path, typer.Argument(metavar="VIDEO", help=(
              "Video clip, animated GIF/WebP/APNG, or image sequence: a folder, a pattern (f_%04d.png) "
              "or a quoted glob ('shots/*.png')."))],
          output: VideoOutput, **params: Any) -> None:
    """Dream every frame of a clip without flicker, keeping its fps and audio (a sequence plays at --fps)."""
    if ctx.args:
        run(lambda: one_input(input, ctx.args))
    render("video", {"output": output, **params}, input)


def one_input(given: Path, more: list[str]) -> None:
    """Refuse several inputs: most likely a glob the shell expanded into its files before we saw it."""
    glob = f"{given.parent}/*{given.suffix}" if given.suffix else f"{given.parent}/*"
    raise DreamError(f"video reads one input, got {1 + len(more)} ({given} {more[0]} ...); if the shell "
                     f"expanded a glob, quote it: '{glob}'")



@app.command()
@takes(KINDS["live"], panel=LIVE, more=LIVE_OPTIONS)
def live(source: Annotated[str, typer.Argument(metavar="SOURCE", help="test, a camera (0, /dev/video0), a video "
                                               "file or a stream URL (rtsp://, srt://, udp://, http://).")],
         **params: Any) -> None:
    """Dream a camera, a stream or a playing clip in real time; Ctrl-C stops (the recording is kept).

    With --serve it runs in the studio's Live panel, which starts, stops and steers it."""
    def action() -> None:
        from .progress import RichReporter
        from .runner import live_run

        settings, options, run_options = live_run(source, params)
        with RichReporter(err, flags_in) as progress:
            if params.get("serve"):
                from .studio.serve import serve_live

                stats = serve_live(params.get("folder") or Path("."), params.get("port"),
                                   (settings, options, run_options, progress))
            else:
                from .live import run_live

                stats = run_live(settings, options, run_options, progress)
        if stats is not None:
            out.print(stats.summary(), markup=False)
        if options.record:
            err.print(f"wrote {options.record}", markup=False)
    run(action, loads_torch=True)


@app.command()
def batch(jobs: Annotated[Path, typer.Argument(metavar="JOBS.yaml", help="YAML list of renders.")],
          workers: Annotated[Optional[int], typer.Option(
              "--workers", min=1, metavar="N", help="Jobs at once (default: one per GPU, else per core).")] = None,
          ray_address: RayAddress = None,
          device: Annotated[Optional[str], typer.Option("--device", metavar="DEVICE",
                            help="cpu, cuda or mps (default: CUDA, else MPS, when the worker has it).")] = None) -> None:
    """Run a YAML list of renders (dream, zoom, video) as Ray tasks, several at once.

    Each item: kind, input (a zoom's start image; default noise), output, preset,
    options (settings, as in a preset). Paths are relative to the YAML file.
    """
    def action() -> None:
        from .progress import RichReporter
        from .distributed.batch import default_workers, load_jobs, run_batch, summary

        checked = load_jobs(jobs)
        with RichReporter(err, flags_in) as progress:
            results = run_batch(checked, workers or default_workers(ray_address), ray_address, device, progress)
        out.print(summary(results))
        failed = sum(not r.ok for r in results)
        if failed:
            raise DreamError(f"{failed} of {len(results)} job(s) failed; the others are written")
    run(action, loads_torch=True)


for listing in (formats, models, layers, classes):  # plain listings, in this order in the help
    app.command()(listing)


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


@app.command()
def studio(
    folder: Annotated[Path, typer.Argument(metavar="FOLDER", help="Folder of inputs and renders.")] = Path("."),
    host: Annotated[str, typer.Option("--host", metavar="HOST", help="Address to listen on; not local = reachable by others.")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, metavar="PORT", help="Port; 0 picks a free one.")] = 8188,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a browser.")] = False,
    max_upload: Annotated[str, typer.Option("--max-upload", metavar="SIZE", help="Largest upload.")] = "2GB",
    allow_host: Annotated[list[str] | None, typer.Option(
        "--allow-host", metavar="NAME", help="Another name the studio may be opened by (repeatable).")] = None,
    new_token: Annotated[bool, typer.Option(
        "--new-token", help="Make a new key for the URL (the folder keeps one in .studio/token).")] = False,
) -> None:
    """Serve the studio: a local page to preview, render, browse and compare (needs the studio extra)."""
    from .studio.serve import serve

    run(lambda: serve(folder, host, port, not no_browser, max_upload, tuple(allow_host or ()), new_token))


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
    quiet_libraries()  # where the program starts (the studio's server too), not on import


def main() -> None:
    app(prog_name="dreamvideo")


if __name__ == "__main__":
    sys.exit(main())
