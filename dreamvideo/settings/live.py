"""The live section: what only a live dream (``dreamvideo live``) reads.

A live dream takes the video section (coherence, pull, carry, flow size, blend), the
animation's colour coherence, the zoom's lighter schedule for later dreams
(`frame_octaves`, `frame_steps`) and this section's dive.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

# Which MIDI CC steers what when `midi_map` is not given: the first knobs of most controllers (CC 1: the mod wheel).
MIDI_DEFAULT_MAP = "1=step_size:0.01:0.2,2=pull:0:1,3=blend:0:1,4=dive:1:1.5,5=octave_scale:1.2:1.6"


class LiveSection(BaseModel):
    """How a live dream is fed."""

    dive: float = Field(1.0, ge=1.0, le=2.0,
                        description="live: each dream starts from the last one zoomed in by this much, mixed into "
                                    "the source by `blend` (the feedback \"dive\" look); 1 = off.")
