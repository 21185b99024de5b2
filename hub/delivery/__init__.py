"""Delivery: alerts from ``alerts.<family>`` topics to each panel's webhook, email and inbox.

``document`` builds the one JSON alert document; ``signing`` signs and verifies webhook
bodies; ``webhook``, ``mail`` and ``inbox`` are the channels; ``deliverer`` delivers one alert
through every channel of its panel with retries, a durable ``ledger`` and dead letters;
``service`` is the Kafka consumer loop behind ``hub deliver`` (docs/delivery.md).
"""
