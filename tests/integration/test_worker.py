"""The whole stream layer against the real broker: every event linked, alerts on panel
topics, poison dead-lettered, and a SIGKILLed worker that restarts loses no alert."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from kafka import KafkaProducer

from hub.config import HubSettings
from hub.contracts.codec import Codec
from hub.kafka.client import producer_config
from hub.kafka.topics import PANELS, topic_name
from hub.streams.deadletter import DeadLetter
from privacy.errors import SealError
from privacy.keyring import load_recipient_private, load_verify_keys
from privacy.seal import Opener, SealedIdentity
from tests.integration.conftest import Partnership, publish_partnership
from tests.integration.processes import hub_worker, stop
from tests.integration.reading import alert_ids, records, wait_for

REPO = Path(__file__).resolve().parents[2]


def test_stream_layer_end_to_end(
    connector_settings: HubSettings, partnership: Partnership, tmp_path: Path
) -> None:
    settings = connector_settings
    published = publish_partnership(settings, partnership)
    producer = KafkaProducer(**producer_config(settings))
    producer.send(topic_name("src.police", settings.topic_prefix), value=b"\xc3\x01poison").get(10)
    producer.close()

    log = tmp_path / "worker.log"
    worker = hub_worker(settings, log)
    try:
        wait_for(settings, "linked.events", published, worker, log)
        wait_for(settings, "dlq.link", 1, worker, log)
        time.sleep(5)  # let the rules stage catch up before the kill
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        before = set(alert_ids(settings))
        worker = hub_worker(settings, log)
        time.sleep(20)  # a restarted worker resumes from committed offsets and recovers tables
        assert worker.poll() is None, log.read_text()[-3000:]
    finally:
        stop(worker)

    codec = Codec()
    linked = [codec.decode(v)[1] for v, _ in records(settings, "linked.events")]
    assert len({e["event_id"] for e in linked}) == published  # every event has one outcome
    assert {e["link_method"] for e in linked} >= {"exact", "fuzzy", "new_person"}
    after = alert_ids(settings)
    assert before <= set(after), "an alert was lost across the kill"
    assert len(set(after)) >= 5
    alerts = [codec.decode(v)[1] for p in PANELS for v, _ in records(settings, f"alerts.{p}")]
    rules = {r for alert in alerts for r in alert["rules"]}
    opener = Opener(
        load_recipient_private(partnership.keys / "recipient-panels.private.json"),
        load_verify_keys(partnership.keys / "partners.public.json"),
    )
    assert all(a["sealed"] is not None for a in alerts)
    for alert in alerts:  # the envelope opens for one of the alert's own evidence events
        sealed = SealedIdentity.from_dict(alert["sealed"])
        identities = []
        for evidence in alert["evidence"]:
            try:
                identities.append(opener.open(sealed, evidence["event_id"]))
            except SealError:
                continue
        assert len(identities) == 1
        assert identities[0]["family_name"]
    assert {"repeat_victim", "repeat_suspect", "excluded_child_violence"} <= rules
    letters = [DeadLetter.from_headers(h.items()) for _, h in records(settings, "dlq.link")]
    assert letters[0].stage == "link"
    assert "SerializationError" in letters[0].reason
