"""Live dreams: a camera, a stream or a playing clip dreamed in real time (``dreamvideo live``).

Sits between the runner and the render layer: it reuses the render's engine, the
video coherence method and the cadence warp, and adds threads, sources and sinks.
"""

from .controls import LiveControls
from .session import LiveOptions, run_live
from .sinks import MemorySink

__all__ = ["LiveControls", "LiveOptions", "MemorySink", "run_live"]
