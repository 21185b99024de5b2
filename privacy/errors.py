"""Errors of the privacy library. Messages never echo a raw identifier or a secret."""


class PrivacyError(Exception):
    """Root of the privacy library's errors."""


class InvalidIdentifier(PrivacyError):
    """An identifier failed a named rule; the value itself is deliberately not repeated."""

    def __init__(self, kind: str, rule: str, detail: str) -> None:
        super().__init__(f"invalid {kind}: {detail} (rule {rule})")
        self.kind = kind
        self.rule = rule


class KeyRingError(PrivacyError):
    """A key ring file is missing, malformed or lacks the key asked for."""


class SealError(PrivacyError):
    """A sealed identity could not be made or opened (wrong key, event, recipient, tampering)."""
