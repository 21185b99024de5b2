"""The hub's one error tree.

Every error the hub raises on purpose is a ``HubError``; library errors are wrapped with
``raise ... from exc`` so callers catch one root. A bad *record* is data, not an error: it is
quarantined or dead-lettered with its coordinates, and the stage goes on.
"""


class HubError(Exception):
    """Root of every error the hub raises on purpose."""


class ConfigurationError(HubError):
    """Settings, a policy file or a key ring is wrong; the message says what to fix."""


class SchemaError(HubError):
    """An Avro schema is invalid, unknown, or breaks compatibility."""


class SerializationError(HubError):
    """Bytes could not be encoded or decoded under a known schema."""


class SourceUnavailableError(HubError):
    """A transient outage (Kafka, a partner's drop folder): retrying may succeed."""


class LinkageError(HubError):
    """Linkage state is inconsistent (for example a merge cycle)."""


class DeliveryError(HubError):
    """An alert could not be delivered to a panel's channel."""
