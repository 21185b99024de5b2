"""A minimal Faust app run as a real worker by test_faust_proof.py.

A Faust ``-A`` module must expose its app at import; this one reads the hub's settings from
the HUB_* environment the test sets. It is test evidence, not part of the hub.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterable

from hub.config import load_settings
from hub.streams.app import create_app

settings = load_settings()
app = create_app(settings, "proof-counter")
source = app.topic(os.environ["PROOF_IN"], key_serializer="raw", value_serializer="raw")
sink = app.topic(os.environ["PROOF_OUT"], key_serializer="raw", value_serializer="raw")
counts = app.Table("proof-counts", default=int, partitions=1)


@app.agent(source, name="proof-count")
async def count(stream: AsyncIterable[tuple[str, str]]) -> None:
    async for raw_key, _value in stream.items():  # type: ignore[attr-defined]
        key = raw_key.decode()
        counts[key] += 1
        await sink.send(key=raw_key, value=f"{key}={counts[key]}".encode())
