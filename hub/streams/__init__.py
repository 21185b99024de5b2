"""Faust stream processors: linkage, timelines and rules, routing to panels."""
