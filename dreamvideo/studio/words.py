"""The page's words for settings, in one place: every studio message names a setting by its label.

Lower layers name settings in backquotes (`octave_scale`) and the CLI turns them into
flags (``--octave-scale``); a job's error comes from the child's log in the CLI's words.
An artist never typed a flag, so everything the studio returns goes through
:func:`in_words`: "error: --output: another job is writing x.mp4" becomes
"error: Output: another job is writing x.mp4". The form's labels (the schema's ``title``)
come from :func:`label` too, so an error names a field exactly as the page shows it.
"""

from __future__ import annotations

import re

from ..errors import RUN_AGAIN
from ..options import flag
from ..settings import Settings

# Labels that are not simply the name in words; the rest: ``octave_scale`` -> "Octave scale".
LABELS = {"input": "Input", "output": "Output", "fps": "Frame rate", "crf": "Quality (CRF)",
          "layers": "Layers", "from": "Input", "restart": "Replace", "replace": "Replace",
          "class_": "Class", "bit_depth": "Bit depth",
          "max_frames": "Most frames", "flow_size": "Flow size"}
# The run options a child's command line may name (``-o``, ``--from``): by the page's field.
RUN_FLAGS = {"-o": "output", "--output": "output", "--from": "from", "--restart": "restart"}
_FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-z])(?![\w-])")
_NAMED = re.compile(r"`([a-z][a-z0-9_]*)`")


def label(name: str) -> str:
    """How the page names a setting: ``octave_scale`` -> "Octave scale"."""
    return LABELS.get(name) or name.replace("_", " ").strip().capitalize()


def _flags() -> dict[str, str]:
    """Each setting's flag (and short form) -> its name: ``--layer`` and ``-l`` -> ``layers``."""
    from ..options import FLAGS

    found = {flag(name): name for name in Settings.model_fields}
    found.update({short: name for name, flags in FLAGS.items() for short in flags})
    return {**found, **RUN_FLAGS}


FLAG_NAMES = _flags()


def in_words(message: str) -> str:
    """A message in the page's words: `setting` names and CLI flags become labels, and "run the same
    command again" (the CLI's advice) becomes the page's Resume."""
    message = _NAMED.sub(lambda m: label(m.group(1)), message)
    message = _FLAG.sub(lambda m: _flag_label(m.group(1)), message)
    return message.replace(f"{RUN_AGAIN} to resume", "Resume carries on from there").replace(
        RUN_AGAIN, "render again")


def _flag_label(text: str) -> str:
    name = FLAG_NAMES.get(text)
    if name is None and text.startswith("--"):
        name = text[2:].replace("-", "_")
    return label(name) if name else text
