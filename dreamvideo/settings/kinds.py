"""Which settings shape which kind of render: a still, a zoom or a video.

A still takes the dream section and its size; a zoom adds the camera, the animation
and the encoding; a video the clip span, coherence, the animation and the encoding.
Kept apart from the render code (which needs torch), so anything that only has to
know the fields — a sidecar, a manifest, the studio's form — reads them without it.
"""

from __future__ import annotations

from .animation import AnimationSection
from .dream import DreamSection
from .live import LiveSection
from .motion import ZoomSection
from .output import OutputSection
from .video import VideoSection

KINDS = {
    "still": (DreamSection,),
    "zoom": (DreamSection, ZoomSection, AnimationSection, OutputSection),
    "video": (DreamSection, VideoSection, AnimationSection, OutputSection),
    "live": (DreamSection, VideoSection, AnimationSection, OutputSection, LiveSection),
}
EXTRA = {"still": {"size", "description"}, "zoom": {"description"}, "video": {"description"},
         "live": {"description", "frame_octaves", "frame_steps"}}
NOT_FOR = {"video": {"fps"},  # a video keeps its source's frame rate
           "live": {"start", "end", "max_frames", "cadence", "loop", "preview"}}


def fields_for(kind: str) -> set[str]:
    """The setting names that shape a render of this kind."""
    names = {name for section in KINDS[kind] for name in section.model_fields}
    return (names | EXTRA[kind]) - NOT_FOR.get(kind, set())
