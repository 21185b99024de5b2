"""A Faust app whose handler fails on bad input, run as a real worker by test_dead_letters.py."""

from __future__ import annotations

import json
import os
from typing import Any

from hub.config import load_settings
from hub.streams.app import create_app
from hub.streams.safe import guarded

settings = load_settings()
app = create_app(settings, "poison-proof")
source = app.topic(os.environ["PROOF_IN"], key_serializer="raw", value_serializer="raw")
sink = app.topic(os.environ["PROOF_OUT"], key_serializer="raw", value_serializer="raw")
dlq = app.topic(os.environ["PROOF_DLQ"], key_serializer="raw", value_serializer="raw")


async def handle(event: Any) -> None:
    document = json.loads(event.value)  # poison: not JSON
    await sink.send(key=event.key, value=str(document["n"] * 2).encode())  # poison: no "n"


@app.agent(source, name="poison-double")
async def double(stream: Any) -> None:
    async for _ in guarded(stream, "proof", dlq, handle):
        pass
