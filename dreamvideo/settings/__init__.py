"""Settings: the validated schema, keyframe schedules, and presets/sidecars that feed it."""

from ..errors import SettingsError
from .presets import describe, read_preset, resolve, setting_names, shipped_presets
from .schedule import interpolate
from .schema import Settings

__all__ = ["Settings", "SettingsError", "describe", "interpolate", "read_preset", "resolve", "setting_names",
           "shipped_presets"]
