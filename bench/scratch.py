"""A benchmark's scratch folder (synthetic partnership, keys, Kafka's logs: up to ~1 GB),
removed when the benchmark exits unless ``--keep`` asked to look at it afterwards, and the
synthetic partnership the stream benchmarks run on."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hub.config import HubSettings, load_settings
from hub.kafka.local import free_port
from hub.kafka.topics import PARTNERS
from hub.synth.generator import generate
from hub.synth.params import SynthParams
from privacy.keyring import generate_partnership


def scratch_folder(prefix: str, keep: bool) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    if keep:
        atexit.register(print, f"kept: {folder}")
    else:
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def partnership_settings(work: Path, people: int, **settings: Any) -> HubSettings:
    """A synthetic partnership of ``people`` (seed 9) in ``work``/synth with every partner's
    keys in ``work``/keys, and settings for a broker of the benchmark's own in ``work``/kafka
    (ports from the kernel); ``settings`` adds to them (state_dir, topic_prefix, ...)."""
    generate(SynthParams(people=people, seed=9), work / "synth")
    generate_partnership(work / "keys", list(PARTNERS), ["panels"])
    return load_settings(
        broker={"port": free_port(), "controller_port": free_port(), "data_dir": work / "kafka"},
        connector={"keys_dir": work / "keys"},
        **settings,
    )
