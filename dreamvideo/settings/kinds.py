"""The kinds of render — a still, a zoom, a video — in one table that everything reads.

Each :class:`Kind` says what one kind is called (its name in sidecars, manifests,
the studio and ``render_<name>``; its CLI command; the older word a batch file may
use), which settings shape it, what it takes as input and what it writes. The CLI's
options, the runner's dispatch, batch files, the studio's API and its page all read
this table, so a new kind, or a setting moved between kinds, is one edit here.
Kept apart from the render code (which needs torch), so anything that only has to
know the fields — a sidecar, a manifest, the studio's form — reads them without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from ..errors import DreamError
from ..media.encode import IMAGE_SUFFIXES
from ..media.formats import Format, find_format, video_suffixes
from ..media.inputs import ANIMATED, SEQUENCE, STILL, VIDEO
from .animation import AnimationSection
from .dream import DreamSection
from .live import LiveSection
from .motion import ZoomSection
from .output import OutputSection
from .video import VideoSection

Input = Literal["image", "noise-or-image", "video", "stream"]  # stream: live, not a render
# The inputs (``media.inputs``' words for what a file is) each input word takes: a still or a zoom
# dreams a picture, a video a clip, an animated image or an image sequence.
ACCEPTS: dict[str, tuple[str, ...]] = {"image": (STILL,), "noise-or-image": (STILL,),
                                       "video": (VIDEO, ANIMATED, SEQUENCE), "stream": (VIDEO, ANIMATED, SEQUENCE)}
# Settings no command offers as an option: a preset (or a replayed sidecar) sets them.
PRESET_ONLY = frozenset({"normalize", "clamp", "tile", "description"})
# The dream section's options, which every render command offers.
DREAM_OPTIONS = tuple(name for name in DreamSection.model_fields if name not in PRESET_ONLY)


@dataclass(frozen=True)
class Kind:
    """One kind of render: its names, the settings that shape it, its input and its outputs."""

    name: str  # sidecars, manifests, the studio, ``render_<name>``
    command: str  # the CLI command; a batch file's ``kind:`` may say either word
    label: str  # how the studio page lists it
    sections: tuple[type[BaseModel], ...]
    input: Input
    outputs: tuple[str, ...]  # the suffixes it may write (a video kind: also an image sequence, a pattern)
    suffix: str  # the one a new render gets when no output is named
    extra: tuple[str, ...] = ("description",)  # settings outside its sections that shape it
    not_for: tuple[str, ...] = ()  # settings of its sections it does not use

    @property
    def fields(self) -> tuple[str, ...]:
        """Every setting that shapes a render of this kind, in the sections' order."""
        names = [name for section in self.sections for name in section.model_fields] + list(self.extra)
        return tuple(name for name in dict.fromkeys(names) if name not in self.not_for)

    @property
    def options(self) -> tuple[str, ...]:
        """The settings its command offers beyond :data:`DREAM_OPTIONS`, in the sections' order."""
        return tuple(name for name in self.fields if name not in DreamSection.model_fields and name not in PRESET_ONLY)

    @property
    def writes_video(self) -> bool:
        """Whether it writes a video (any format of the table), not an image."""
        return self.outputs != IMAGE_SUFFIXES

    def output_format(self, output: Path, codec: str | None = None, bit_depth: int = 8) -> Format | None:
        """The format a render of this kind writes ``output`` in (None: a still's image), from the name
        alone (batch checks every job's before any runs); one line when it writes no such output.

        A video kind writes every format of ``media/video_formats/`` (``codec`` and ``bit_depth``
        choose among a container's), an image sequence too.
        """
        if self.writes_video:
            return find_format(output, codec, bit_depth)
        if output.suffix.lower() not in self.outputs:
            raise DreamError(f"unsupported output type '{output.suffix or output.name}'; use one of: "
                             + ", ".join(self.outputs))
        return None

    @property
    def accepts(self) -> tuple[str, ...]:
        """The kinds of input it renders from, as :func:`media.inputs.kind_of` names a file."""
        return ACCEPTS[self.input]

    @property
    def takes_noise(self) -> bool:
        """Whether it can start from seeded noise instead of an input file."""
        return self.input == "noise-or-image"


KINDS = {kind.name: kind for kind in (
    Kind("still", "dream", "still", (DreamSection,), "image", IMAGE_SUFFIXES, ".png",
         extra=("size", "description")),
    Kind("zoom", "zoom", "zoom (dive)", (DreamSection, ZoomSection, AnimationSection, OutputSection),
         "noise-or-image", video_suffixes(), ".mp4"),
    Kind("video", "video", "video", (DreamSection, VideoSection, AnimationSection, OutputSection),
         "video", video_suffixes(), ".mp4"),  # `fps`: an image sequence's rate (a video keeps its own)
    Kind("live", "live", "live", (DreamSection, VideoSection, AnimationSection, OutputSection, LiveSection),
         "stream", video_suffixes(), ".mp4", extra=("description", "frame_octaves", "frame_steps"),
         not_for=("start", "end", "max_frames", "cadence", "loop", "preview")),
)}
# The kinds that render a file from a file (batch and the studio queue them); live runs until stopped.
RENDERS = {name: kind for name, kind in KINDS.items() if kind.input != "stream"}
# What a batch file's ``kind:`` may say: a kind's name or its command (``dream`` is a still).
WORDS = {word: kind for kind in RENDERS.values() for word in (kind.command, kind.name)}


def fields_for(kind: str) -> set[str]:
    """The setting names that shape a render of this kind."""
    return set(KINDS[kind].fields)
