"""Both Python clients the hub uses, against the real broker: produce, group consume, commit."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from hub.config import HubSettings
from hub.kafka.canary import round_trip
from hub.kafka.topics import topic_name


def test_kafka_python_round_trip_with_consumer_group(topics: HubSettings) -> None:
    result = round_trip(topics, count=300, timeout_s=60)
    assert (result.produced, result.consumed, result.committed) == (300, 300, True)


def test_aiokafka_idempotent_producer_and_group_commit(topics: HubSettings) -> None:
    topic = topic_name("canary", topics.topic_prefix)

    async def scenario() -> tuple[list[bytes], int | None]:
        producer = AIOKafkaProducer(
            bootstrap_servers=topics.bootstrap_servers, acks="all", enable_idempotence=True
        )
        await producer.start()
        try:
            for i in range(50):
                await producer.send_and_wait(topic, f"a{i}".encode(), key=b"k")
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=topics.bootstrap_servers,
            group_id="aio-proof",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        got: list[bytes] = []
        try:
            async with asyncio.timeout(30):
                while len(got) < 50:
                    for records in (await consumer.getmany(timeout_ms=500)).values():
                        got += [r.value for r in records]
            await consumer.commit()
            committed = await consumer.committed(TopicPartition(topic, 0))
        finally:
            await consumer.stop()
        return got, committed

    values, committed = asyncio.run(scenario())
    assert values == [f"a{i}".encode() for i in range(50)]
    assert committed == 50
