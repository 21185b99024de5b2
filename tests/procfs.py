"""Processes as /proc sees them, for tests that kill a parent and look for its children."""

from __future__ import annotations

from pathlib import Path


def _stat_fields(pid: int) -> list[str] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat[stat.rindex(")") + 2 :].split()  # after "pid (name) ": state, ppid, ...


def children(pid: int) -> list[int]:
    return [
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit()
        and (fields := _stat_fields(int(entry.name))) is not None
        and int(fields[1]) == pid
    ]


def ended(pid: int) -> bool:
    """Gone, or a zombie waiting for a parent that does not reap (as in some containers)."""
    fields = _stat_fields(pid)
    return fields is None or fields[0] in ("Z", "X")
