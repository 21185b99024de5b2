"""Per-event error capture for Faust agents.

Faust acknowledges an event whose agent raised, and an agent can die quietly on a decode
error while its worker stays up (design.md, "Known pitfalls"; seen in this project's own
proof). So every agent consumes raw bytes, decodes inside ``guarded``, and any exception sends
the record to ``dlq.<stage>`` and waits for Kafka's acknowledgement of the dead letter before
the event is acknowledged. The stream then goes on with the next record.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from hub.streams.deadletter import DeadLetter, describe

log = logging.getLogger(__name__)

Handler = Callable[[Any], Awaitable[None]]


async def guarded(
    stream: Any,
    stage: str,
    dlq_topic: Any,
    handle: Handler,
    on_dead_letter: Callable[[DeadLetter], None] = lambda _letter: None,
) -> AsyncIterator[None]:
    """Run ``handle`` on each event of ``stream``; dead-letter what fails; yield per event."""
    async for event in stream.events():
        try:
            await handle(event)
        except Exception as exc:
            reason, field = describe(exc)
            message = event.message
            letter = DeadLetter(
                stage=stage,
                reason=reason,
                source_topic=message.topic,
                source_partition=message.partition,
                source_offset=message.offset,
                field=field,
                partner=partner_of(message.headers),
            )
            log.warning(
                "dead-lettering %s[%s]@%s at stage %s: %s",
                message.topic,
                message.partition,
                message.offset,
                stage,
                reason,
            )
            pending = await dlq_topic.send(
                key=message.key, value=message.value, headers=letter.headers()
            )
            await pending  # durable before this event's offset can be committed
            on_dead_letter(letter)
        yield None


def partner_of(headers: Any) -> str | None:
    """The partner named in a record's CloudEvents source header, if any."""
    pairs = headers.items() if isinstance(headers, dict) else (headers or [])
    for key, value in pairs:
        if key == "ce_source" and isinstance(value, bytes | bytearray):
            return bytes(value).decode(errors="replace").rsplit("/", 1)[-1]
    return None
