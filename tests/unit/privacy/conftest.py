"""A fixed test key ring from a published seed: reproducible vectors, never a real key."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from privacy.keyring import LinkageKeys, Secret, generate_partnership

TEST_SEED = b"csp-hub test vectors: not a real key"


def fixed_linkage(*versions: int, current: int | None = None) -> LinkageKeys:
    versions = versions or (1,)
    keys = {v: Secret(hashlib.sha256(TEST_SEED + bytes([v])).digest()) for v in versions}
    current = current or max(versions)
    return LinkageKeys(current, keys, tuple(v for v in versions if v != current))


@pytest.fixture
def linkage() -> LinkageKeys:
    return fixed_linkage(1)


@pytest.fixture
def key_dir(tmp_path: Path) -> Path:
    generate_partnership(tmp_path / "keys", ["police", "ed"], ["panels"])
    return tmp_path / "keys"
