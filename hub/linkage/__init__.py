"""Linking events of one person across partners: exact keyed tokens first, then encodings."""
