"""Delivery throughput and latency: one in-process `hub deliver` service against the
project's own broker, a backlog of synthetic alerts, a loopback webhook receiver and a local
SMTP server (aiosmtpd), so the figures include signing, HTTP, SMTP and the ledger's fsyncs.

Throughput is alerts with every channel delivered per second of the service's run; latency
is the per-channel hub_delivery_latency_seconds (alert created_at to acknowledgement) for a
second, paced stream that does not queue behind a backlog.

    .venv/bin/python bench/bench_delivery.py [--alerts 2000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import os
import secrets
import threading
import time
from datetime import UTC, datetime

import yaml
from kafka import KafkaProducer
from scratch import scratch_folder

from hub.config import HubSettings, load_settings
from hub.contracts.codec import Codec
from hub.delivery.localmail import LocalMailServer
from hub.delivery.receiver import WebhookReceiver
from hub.delivery.samples import encoded, synthetic_alert
from hub.delivery.service import DeliveryService
from hub.kafka.admin import apply_catalogue
from hub.kafka.client import producer_config
from hub.kafka.local import LocalBroker, free_port
from hub.kafka.topics import topic_name

SECRET = secrets.token_hex(16)  # a fresh signing secret per run


def produce(settings: HubSettings, alerts: list[dict[str, object]], pace_s: float = 0) -> None:
    codec = Codec()
    producer = KafkaProducer(**producer_config(settings))
    for alert in alerts:
        if pace_s:
            alert = {**alert, "created_at": datetime.now(UTC)}
        key, value, headers = encoded(alert, codec)
        producer.send(
            topic_name("alerts.iom", settings.topic_prefix), key=key, value=value, headers=headers
        )
        if pace_s:
            producer.flush()
            time.sleep(pace_s)
    producer.flush(60)
    producer.close()


def quantiles(service: DeliveryService, channel: str) -> str:
    registry = service.registry
    count = registry.get_sample_value("hub_delivery_latency_seconds_count", {"channel": channel})
    total = registry.get_sample_value("hub_delivery_latency_seconds_sum", {"channel": channel})
    if not count:
        return f"{channel}: none"
    buckets = []
    for le in ("0.05", "0.1", "0.25", "0.5", "1.0", "2.5"):
        n = registry.get_sample_value(
            "hub_delivery_latency_seconds_bucket", {"channel": channel, "le": le}
        )
        buckets.append(f"<={le}s {100 * (n or 0) / count:.0f}%")
    return f"{channel}: mean {1000 * (total or 0) / count:.0f} ms; " + ", ".join(buckets)


def run(
    settings: HubSettings, expect: int, receiver: WebhookReceiver
) -> tuple[float, DeliveryService]:
    """Run a service until ``expect`` documents arrived; seconds from the first to the last
    (so the consumer group's start-up is not counted)."""
    service = DeliveryService(settings)
    thread = threading.Thread(target=service.run, daemon=True)
    before = len(receiver.received.documents)
    thread.start()
    while len(receiver.received.documents) == before:
        time.sleep(0.001)
    start = time.perf_counter()
    while len(receiver.received.documents) < expect:
        time.sleep(0.001)
    elapsed = time.perf_counter() - start
    service.stop.set()
    thread.join(60)
    return elapsed, service


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--alerts", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--paced", type=int, default=200, help="alerts in the latency run")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    work = scratch_folder("bench-delivery-", args.keep)
    os.environ["HUB_BENCH_WEBHOOK_SECRET"] = SECRET
    broker_settings = {
        "port": free_port(),
        "controller_port": free_port(),
        "data_dir": work / "kafka",
    }
    broker = LocalBroker(load_settings(broker=broker_settings).broker)
    broker.up(tie_to_parent=True, echo=False)
    try:
        with (
            WebhookReceiver(SECRET.encode()) as receiver,
            LocalMailServer(work / "maildir", log=work / "smtpd.log") as mail,
        ):
            directory = work / "panels.yaml"
            directory.write_text(
                yaml.safe_dump(
                    {
                        "panels": [
                            {
                                "id": "iom",
                                "name": "IOM",
                                "channels": [
                                    {
                                        "kind": "webhook",
                                        "url": receiver.url,
                                        "allow_plain_http": True,
                                        "secret_env": "HUB_BENCH_WEBHOOK_SECRET",
                                    },
                                    {"kind": "email", "to": ["iom@example.org"]},
                                ],
                            }
                        ]
                    }
                )
            )
            settings = load_settings(
                broker=broker_settings,
                state_dir=work / "state",
                topic_prefix="bench.",
                panels={"directory_file": directory},
                delivery={
                    "smtp_host": mail.host,
                    "smtp_port": mail.port,
                    "concurrency": args.concurrency,
                    "metrics_port": None,
                },
            )
            apply_catalogue(settings)
            alerts = [synthetic_alert(n, "iom", seed="bench") for n in range(args.alerts)]
            produce(settings, alerts)
            elapsed, _ = run(settings, args.alerts, receiver)
            print(
                f"backlog: {args.alerts} alerts x 2 channels (webhook + email) in {elapsed:.1f} s "
                f"= {args.alerts / elapsed:.0f} alerts/s, concurrency {args.concurrency}"
            )
            paced = [synthetic_alert(n, "iom", seed="paced") for n in range(args.paced)]
            feeder = threading.Thread(target=produce, args=(settings, paced, 0.02))
            feeder.start()
            _, service = run(settings, args.alerts + args.paced, receiver)
            feeder.join()
            print(f"latency, {args.paced} alerts at ~50/s (created_at to acknowledgement):")
            print("  " + quantiles(service, "webhook"))
            print("  " + quantiles(service, "email"))
    finally:
        broker.down()


if __name__ == "__main__":
    main()
