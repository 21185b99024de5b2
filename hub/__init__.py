"""Data-sharing hub for Community Safety Partnerships."""

__version__ = "0.1.0"
__all__ = ["__version__"]
