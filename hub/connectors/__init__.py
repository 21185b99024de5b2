"""Connectors: run inside a partner's network; validate, pseudonymise, seal and publish.

One shared pipeline (``pipeline.py``) and one small mapping per partner (``police.py``,
``ed.py``, ...). Adding a partner is a new mapping, not a new pipeline.
"""
