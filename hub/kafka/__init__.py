"""Kafka plumbing: the project's own broker, the topic catalogue, client settings."""
