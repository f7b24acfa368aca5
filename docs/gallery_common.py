"""What the gallery scripts share: the repo's folders and running ``dreamvideo`` as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GALLERY = ROOT / "docs" / "gallery"


def dreamvideo(*args: str) -> None:
    """Run one ``dreamvideo`` command as a user would, from the repo root, and say what it was."""
    shown = " ".join(f"'{a}'" if " " in a else a for a in args)
    print(f"$ dreamvideo {shown}", flush=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    subprocess.run([sys.executable, "-m", "dreamvideo", *args], cwd=ROOT, env=env, check=True)


def drop_sidecar(path: Path) -> None:
    """Remove the sidecar a render wrote for ``path``, found where the renderer puts it."""
    sys.path.insert(0, str(ROOT))
    from dreamvideo.media.sequence_output import sidecar_path

    sidecar_path(path).unlink(missing_ok=True)
