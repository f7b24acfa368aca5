"""A live run: source, dream worker, display and sinks in their own threads, until something stops it.

Three stages hand frames over through :class:`~.slots.Latest` slots, which keep only
the newest: the capture thread (stamps each frame on the one clock), the dream worker
(keys) and the display (every frame, with the latest key's detail moved onto it, to
the sinks). A slower stage skips frames; nothing queues. Ctrl-C, SIGTERM, `duration`,
``/dreamvideo/stop``, a window's Esc or the source ending stop the run the same way:
the stages are joined, the recording is finished and verified, and the summary line
is returned (and written into the recording's sidecar).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from ..errors import DreamError
from ..media.encode import check_video_output
from ..progress import Reporter, Silent
from ..render.common import with_seed
from ..render.engine import RunOptions
from ..render.hardware import usable_cpus
from ..render.sidecar import sidecar_text
from ..settings import Settings
from .audio_in import AudioIn
from .controls import LiveControls, check_sound
from .display import Display
from .dreamer import LiveDreamer
from .midi import MidiControl, knobs_for
from .osc import OscControl
from .sinks import RecordSink, Sink, VirtualCamSink, WindowSink
from .slots import Latest, Stamped, clock
from .sources import LiveSource, open_source
from .stats import LiveStats

JOIN = 10.0  # seconds a stage gets to end once asked (a key in progress stops at its next step)


@dataclass
class LiveOptions:
    """What a live run does besides dreaming: where frames come from and go, how it is steered and stopped."""

    source: str = "test"
    record: Path | None = None
    duration: float | None = None
    osc: int | None = None
    window: bool = False
    virtual_cam: bool = False
    loop_input: bool = False
    timeout: float = 10.0
    fill: str = "hold"  # what the display shows where the flow is not trusted (display.FILLS)
    midi: str | None = None  # a MIDI input port's name (or part of it, or "first"); None: no MIDI
    midi_map: str | None = None  # CC=setting:min:max,... (settings.live.MIDI_DEFAULT_MAP when not given)
    audio_in: str | None = None  # a sound input whose features feed schedule expressions (audio_in.input_args)
    sinks: list[Sink] = field(default_factory=list)  # more sinks (a test's, a benchmark's)


class Stages:
    """The run's threads; one that fails stops the run and its error is raised once the recording is safe."""

    def __init__(self, controls: LiveControls) -> None:
        self.controls = controls
        self.threads: list[threading.Thread] = []
        self.errors: list[BaseException] = []

    def start(self, name: str, target: Callable[..., None], *args: Any) -> None:
        def body() -> None:
            try:
                target(*args)
            except BaseException as exc:  # noqa: BLE001  (raised in the main thread after the sinks finish)
                self.errors.append(exc)
                self.controls.stop(f"{name} failed")
        thread = threading.Thread(target=body, name=f"live-{name}", daemon=True)
        thread.start()
        self.threads.append(thread)

    def join(self) -> None:
        deadline = clock() + JOIN
        for thread in self.threads:
            thread.join(max(0.1, deadline - clock()))


def capture(source: LiveSource, first: np.ndarray, frames: Latest[Stamped], controls: LiveControls) -> None:
    """Stamp each frame as it arrives and keep only the newest; the source ending ends the run."""
    frame: np.ndarray | None = first
    seq = 0
    source.restart_clock()
    while frame is not None and not controls.stopping:
        frames.put(Stamped(frame, clock(), seq))
        seq += 1
        frame = source.read()
    controls.stop(f"{source.name} ended")


def open_sinks(options: LiveOptions, source: LiveSource, settings: Settings, weights: Callable[[], str],
               controls: LiveControls, progress: Reporter) -> list[Sink]:
    """The sinks the options ask for, opened before the first frame (one line when one cannot open)."""
    sinks: list[Sink] = list(options.sinks)
    with _dropped_on_error(sinks):
        if options.record:
            def sidecar(summary: str, frames: int, **facts: Any) -> str:
                return sidecar_text(options.record, settings, "live", weights(), source=options.source,
                                    fps=round(source.fps, 3), frames=frames, live=summary,
                                    live_changes=controls.version, **facts)
            sinks.append(RecordSink(options.record, source.fps, settings.crf, sidecar, progress.note,
                                    size=source.size, codec=settings.codec, bit_depth=settings.bit_depth,
                                    audio=source.audio))
        if options.window:
            sinks.append(WindowSink(f"dreamvideo live: {source.name}", controls.stop))
        if options.virtual_cam:
            sinks.append(VirtualCamSink(source.size, source.fps))
    return sinks


@contextlib.contextmanager
def _dropped_on_error(sinks: list[Sink]) -> Iterator[None]:
    try:
        yield
    except BaseException:
        for sink in sinks:
            sink.abort()
        raise


@contextlib.contextmanager
def _a_core_for_the_display() -> Iterator[None]:
    """Torch's CPU threads one fewer than the usable cores (while the run lasts): the display, decoder and
    encoder need a core of their own, or every shown frame waits for a gradient step."""
    import torch

    threads, cores = torch.get_num_threads(), usable_cpus()
    if threads >= cores > 1:
        torch.set_num_threads(cores - 1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@contextlib.contextmanager
def _sigterm_stops(controls: LiveControls) -> Iterator[None]:
    """SIGTERM asks the run to stop, as Ctrl-C does (only the main thread may set handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, lambda *_: controls.stop())
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def wait(controls: LiveControls, duration: float | None) -> None:
    """Until stop is asked, `duration` passes or Ctrl-C."""
    deadline = None if duration is None else clock() + duration
    try:
        while not controls.wait(0.1):
            if deadline is not None and clock() >= deadline:
                controls.stop()
    except KeyboardInterrupt:
        controls.stop()


def finish(sinks: list[Sink], stats: LiveStats, stages: Stages, controls: LiveControls) -> None:
    """Finish every sink with the summary line; a stage's or a sink's error is raised after all are done."""
    errors = list(stages.errors)
    if not stats.shown and not errors:
        errors.append(DreamError(f"stopped before the first dream was shown ({controls.reason or 'asked to'}); "
                                 "nothing was recorded"))
    summary = stats.summary()
    for sink in sinks:
        try:
            sink.finish(summary) if stats.shown and (not errors or isinstance(sink, RecordSink)) else sink.abort()
        except Exception as exc:  # noqa: BLE001  (the other sinks still finish)
            errors.append(exc)
    if errors:
        raise errors[0]


def run_live(settings: Settings, options: LiveOptions, run: RunOptions | None = None,
             progress: Reporter = Silent(), controls: LiveControls | None = None) -> LiveStats:
    """Dream ``options.source`` live until stopped; the stats say what was shown (``summary()``).

    Everything that can refuse (the recording's format, the source, the sinks, the frame
    size, the OSC port) is checked before the first frame is dreamed.
    """
    settings = with_seed(settings, None)
    controls = controls or LiveControls(settings)
    controls.begin(settings)
    if options.record:
        check_video_output(options.record, settings.codec, settings.bit_depth)
    knobs = knobs_for(options.midi, options.midi_map)
    check_sound(settings, options.audio_in is not None)
    with _sigterm_stops(controls), _a_core_for_the_display(), contextlib.ExitStack() as cleanup:
        source, first = open_source(options.source, settings.size, settings.fps, options.loop_input, options.timeout)
        cleanup.callback(source.close)
        worker: list[LiveDreamer] = []  # the sidecar names the weights the dream worker loads
        sinks = open_sinks(options, source, settings, lambda: worker[0].engine.model.weights_source, controls,
                           progress)
        with _dropped_on_error(sinks):
            if knobs is not None:  # a missing port is said before the model loads
                cleanup.callback(MidiControl(options.midi, knobs, controls, progress.note).close)
            if options.audio_in is not None:
                cleanup.callback(AudioIn(options.audio_in, controls, options.timeout, progress.note).close)
            worker.append(LiveDreamer(controls, run or RunOptions(), source.size, source.fps, progress))
            if options.osc is not None:
                cleanup.callback(OscControl(options.osc, controls, progress.note).close)
        stats, stages = LiveStats(), Stages(controls)
        controls.stats = stats  # the checks passed: the run is under way (the studio waits for this)
        run_stages(stages, source, first, worker[0], Display(controls, worker[0].keys, source.fps, options.fill),
                   sinks, stats, options.duration, progress)
        finish(sinks, stats, stages, controls)
    if controls.reason and not stages.errors:
        progress.note(f"live: {controls.reason}")
    return stats


def run_stages(stages: Stages, source: LiveSource, first: np.ndarray, dreamer: LiveDreamer, display: Display,
               sinks: list[Sink], stats: LiveStats, duration: float | None, progress: Reporter) -> None:
    """Capture, dream and display in their threads until the run is asked to stop; then join them."""
    controls, frames = stages.controls, Latest[Stamped]()
    stages.start("capture", capture, source, first, frames, controls)
    stages.start("dream", dreamer.run, frames, stats)
    stages.start("display", display.run, frames, _hand(sinks), stats)
    progress.note(f"live: {source.name} at {source.size[0]}x{source.size[1]}, {source.fps:g} fps; Ctrl-C stops")
    wait(controls, duration)
    frames.close()
    source.interrupt()
    stages.join()


def _hand(sinks: list[Sink]) -> Callable[[np.ndarray, Stamped], None]:
    def hand(shown: np.ndarray, source: Stamped) -> None:
        for sink in sinks:
            sink.write(shown, source)
    return hand
