"""Routing flags to panels, in the model of Prometheus Alertmanager."""
