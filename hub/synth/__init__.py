"""A synthetic Community Safety Partnership whose truth is known.

`generate` writes each partner's export in its own native shape (``exports/``) and the
ground truth apart from it (``truth/``): who each record really is, what happened, and
which rows are deliberately bad. The model, its calibration and its noise are described in
``docs/synthetic-data.md``. Nothing runs at import.
"""

from __future__ import annotations

__all__ = ["generate"]


def __getattr__(name: str) -> object:
    # Lazy, so importing hub.synth (e.g. for a partner's export module) stays cheap.
    if name == "generate":
        from hub.synth.generator import generate

        return generate
    raise AttributeError(name)
