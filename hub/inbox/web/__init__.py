"""The inbox's web face: server-rendered pages and the JSON API behind them."""
