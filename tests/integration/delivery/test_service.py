"""`hub deliver` end to end on the real broker: PanelAlerts produced with the codec to the
test's alerts topics are delivered to a loopback webhook receiver and a real SMTP server,
failures are dead-lettered on dlq.deliver with their reason, receipts are in the ledger,
offsets are committed, and /metrics and /healthz answer."""

from __future__ import annotations

import threading
from pathlib import Path

from kafka import KafkaConsumer, TopicPartition

from hub.config import HubSettings
from hub.delivery.ledger import Ledger
from hub.delivery.localmail import LocalMailServer
from hub.delivery.receiver import WebhookReceiver
from hub.delivery.samples import synthetic_alert
from hub.delivery.service import DeliveryService, alert_topics
from hub.kafka.client import kafka_python_config
from hub.kafka.local import free_port
from hub.kafka.topics import topic_name
from hub.metrics_http import serve
from tests.integration.delivery.conftest import (
    dead_letters,
    get,
    produce,
    wait_until,
    webhook,
    write_directory,
)


def test_delivery_service_end_to_end(
    topics: HubSettings, tmp_path: Path, webhook_secret: bytes, mail_server: LocalMailServer
) -> None:
    with (
        WebhookReceiver(webhook_secret, plan=[500, 429], retry_after="30") as flaky,
        WebhookReceiver(webhook_secret, always=503) as broken,
    ):
        email = {"kind": "email", "to": ["panel@example.org"]}
        directory = write_directory(
            tmp_path / "panels.yaml",
            {
                "iom": [webhook(flaky.url), email],
                "complex-safeguarding": [webhook(broken.url)],
                "engage-{area}": [email],
            },
        )
        settings = topics.model_copy(
            update={
                "panels": topics.panels.model_copy(update={"directory_file": directory}),
                "delivery": topics.delivery.model_copy(
                    update={
                        "smtp_host": mail_server.host,
                        "smtp_port": mail_server.port,
                        "max_attempts": 3,
                        "retry_after_cap_s": 0.1,
                        "backoff_base_s": 0.05,
                        "backoff_cap_s": 0.2,
                        "concurrency": 4,
                    }
                ),
            }
        )
        iom = [synthetic_alert(n, "iom") for n in range(20)]
        csh = [synthetic_alert(n, "complex-safeguarding") for n in range(3)]
        engage = [synthetic_alert(n, f"engage-E0190000{n}") for n in range(5)]
        unlisted = [synthetic_alert(0, "sv-hub")]
        produce(settings, iom + csh + engage + unlisted, poison=1)

        service = DeliveryService(settings)
        port = free_port()
        server = serve(service.registry, port, service.health)
        runner = threading.Thread(target=service.run, daemon=True)
        runner.start()
        try:
            wait_until(
                lambda: len(flaky.received.documents) == 20 and len(mail_server.messages()) == 25,
                180,
                "20 webhooks and 25 emails",
            )

            def all_dead_lettered() -> bool:
                samples = service.registry.collect()
                return (
                    service.tracker.in_flight() == 0
                    and sum(
                        sample.value
                        for metric in samples
                        for sample in metric.samples
                        if sample.name == "hub_deliveries_total"
                        and sample.labels["outcome"] == "dead_lettered"
                    )
                    == 5
                )

            wait_until(all_dead_lettered, 60, "5 dead letters and nothing in flight")
            wait_until(lambda: get(f"http://127.0.0.1:{port}/healthz")[0] == 200, 30, "healthy")
            # The group's committed offsets, not the tracker's: a rebalance empties the tracker
            # before the partitions' new owner has re-read and committed them.
            try:
                wait_until(lambda: _committed_to_the_end(settings), 60, "offsets committed")
            except AssertionError as exc:
                raise AssertionError(
                    f"{exc}; last commit error: {service.commit_error or 'none'}"
                ) from None
            status, metrics = get(f"http://127.0.0.1:{port}/metrics")
        finally:
            service.stop.set()
            runner.join(timeout=60)
            server.shutdown()
        assert not runner.is_alive()
        assert service.failure is None

    # every iom alert reached the webhook once, signed, through the 500s and the 429
    assert flaky.received.refused == []
    assert set(flaky.received.deliveries.values()) == {1}
    assert {d["alert_id"] for d in flaky.received.documents.values()} == {
        a["alert_id"] for a in iom
    }
    assert broken.received.requests == 3 * 3  # three alerts, each its whole budget

    letters = dead_letters(settings, 5)
    assert len(letters) == 5
    assert {letter.stage for letter in letters} == {"deliver"}
    by_alert = {letter.reason.split(": ")[0]: letter for letter in letters}
    for alert in csh:
        letter = by_alert[f"panel complex-safeguarding channel webhook alert {alert['alert_id']}"]
        assert "retry budget spent after 3 attempt(s); last error: HTTP 503" in letter.reason
        assert letter.source_topic == topic_name("alerts.complex-safeguarding", topics.topic_prefix)
    assert any(r.startswith("panel sv-hub channel none") for r in by_alert)
    poison = [letter for letter in letters if "SerializationError" in letter.reason]
    assert len(poison) == 1
    assert poison[0].source_topic == topic_name("alerts.iom", topics.topic_prefix)

    ledger = Ledger(settings.ledger_file)
    receipts = ledger.receipts()
    ledger.close()
    outcome = {(r.alert_id, r.panel, r.channel): r for r in receipts}
    assert len(outcome) == 20 * 2 + 3 + 5
    assert all(outcome[(a["alert_id"], "iom", "email")].status == "delivered" for a in iom)
    assert sum(outcome[(a["alert_id"], "iom", "webhook")].attempts for a in iom) == 20 * 3
    assert {outcome[(a["alert_id"], a["panel"], "webhook")].status for a in csh} == {
        "dead_lettered"
    }

    assert _committed_to_the_end(settings)

    assert status == 200
    expected = {
        'hub_deliveries_total{channel="webhook",outcome="delivered",panel="iom"} 20.0',
        'hub_deliveries_total{channel="webhook",outcome="retried",panel="iom"} 40.0',
        'hub_deliveries_total{channel="email",outcome="delivered",panel="iom"} 20.0',
        'hub_deliveries_total{channel="email",outcome="delivered",panel="engage"} 5.0',
        'hub_deliveries_total{channel="webhook",outcome="dead_lettered",'
        'panel="complex-safeguarding"} 3.0',
        'hub_deliveries_total{channel="webhook",outcome="failed",panel="complex-safeguarding"} 9.0',
        'hub_deliveries_total{channel="none",outcome="dead_lettered",panel="sv-hub"} 1.0',
        'hub_deliveries_total{channel="none",outcome="dead_lettered",panel="iom"} 1.0',
        'hub_delivery_latency_seconds_count{channel="email"} 25.0',
        'hub_oldest_undelivered_alert_age_seconds{panel="iom"} 0.0',
    }
    lines = set(metrics.splitlines())
    assert expected <= lines, sorted(expected - lines)
    assert "E0190000" not in metrics  # area panels are labelled by family only


def _committed_to_the_end(settings: HubSettings) -> bool:
    """The group's committed position is the end of every alerts partition."""
    consumer = KafkaConsumer(
        **kafka_python_config(settings),
        group_id=settings.topic_prefix + settings.delivery.group_id,
        enable_auto_commit=False,
    )
    try:
        partitions = [TopicPartition(t, p) for t in alert_topics(settings) for p in range(3)]
        ends = consumer.end_offsets(partitions)
        return all(consumer.committed(tp) == ends[tp] for tp in partitions if ends[tp])
    finally:
        consumer.close()
