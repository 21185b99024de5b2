"""Faust's aiokafka transport with an idempotent, ``acks=all`` producer.

Stock Faust turns idempotence on only inside transactions, and we do not use transactions
(design.md, "Known pitfalls"). Registered as the ``hubkafka://`` scheme through the
``faust.transports`` entry point in pyproject.toml.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from faust.transport.drivers import aiokafka as faust_aiokafka


class Producer(faust_aiokafka.Producer):
    """Every write is acknowledged by all in-sync replicas, and retries cannot duplicate it."""

    def _settings_extra(self) -> Mapping[str, Any]:
        return {**super()._settings_extra(), "acks": "all", "enable_idempotence": True}


class Transport(faust_aiokafka.Transport):
    Producer: ClassVar[Any] = Producer
