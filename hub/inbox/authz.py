"""Who may do what, from the panel directory: pure functions, the one place the rules live.

A member sees an alert when the directory entry that covers the alert's panel lists them
(an ``engage-{area}`` entry covers every area's Engage panel). ``identity-opener`` may open
the sealed identity; ``chair`` may assign and close; every member may acknowledge and record
the action taken. Pages and the JSON API both ask here.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.panels.directory import Member, Panel, PanelDirectory, Role


@dataclass(frozen=True)
class Viewer:
    """A signed-in member, as the directory describes them."""

    username: str
    name: str
    directory: PanelDirectory

    @classmethod
    def of(cls, directory: PanelDirectory, username: str) -> Viewer | None:
        """None when the directory no longer lists them on any panel (access ends there)."""
        member = next(
            (m for p in directory.panels_of(username) for m in p.members if m.username == username),
            None,
        )
        return cls(username, member.name, directory) if member else None

    def entry(self, panel_id: str) -> Panel | None:
        """The directory entry for this alert panel, if this member is on it."""
        entry = self.directory.panel(panel_id)
        if entry is None or not any(m.username == self.username for m in entry.members):
            return None
        return entry

    def can_see(self, panel_id: str) -> bool:
        return self.entry(panel_id) is not None

    def roles(self, panel_id: str) -> frozenset[Role]:
        entry = self.entry(panel_id)
        if entry is None:
            return frozenset()
        return next(m.roles for m in entry.members if m.username == self.username)

    def may_open_identity(self, panel_id: str) -> bool:
        return "identity-opener" in self.roles(panel_id)

    def may_manage(self, panel_id: str) -> bool:
        """Assign and close: the panel's chair."""
        return "chair" in self.roles(panel_id)

    def panels(self) -> list[Panel]:
        return self.directory.panels_of(self.username)

    def panel_query(self) -> tuple[list[str], list[str]]:
        """(exact panel ids, template prefixes) to narrow a database query to this member's
        panels; :meth:`can_see` still decides each row."""
        entries = self.panels()
        exact = [p.id for p in entries if "{area}" not in p.id]
        prefixes = [p.id.partition("{area}")[0] for p in entries if "{area}" in p.id]
        return exact, prefixes


def assignable(entry: Panel) -> list[Member]:
    return list(entry.members)
