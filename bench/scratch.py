"""A benchmark's scratch folder (synthetic partnership, keys, Kafka's logs: up to ~1 GB),
removed when the benchmark exits unless ``--keep`` asked to look at it afterwards."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path


def scratch_folder(prefix: str, keep: bool) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    if keep:
        atexit.register(print, f"kept: {folder}")
    else:
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder
