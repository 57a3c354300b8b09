"""What an update did to a project, file by file, read from git's view of the work tree."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from scaffold import vcs

# git status codes of a path with an unresolved merge (copier records its conflicts this way).
UNMERGED = {"DD", "AU", "UD", "UA", "DU", "AA", "UU"}
CONFLICT_MARKER = b"<<<<<<< before updating"


@dataclass
class Plan:
    """The files an update adds, changes cleanly, leaves in conflict, and removes."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    conflicting: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.conflicting or self.removed)

    def lines(self) -> list[str]:
        """One line per file, in the order: conflicting, added, changed, removed."""
        rows = [
            *(("conflict", path) for path in self.conflicting),
            *(("added", path) for path in self.added),
            *(("changed", path) for path in self.changed),
            *(("removed", path) for path in self.removed),
        ]
        return [f"  {kind:<10}{path}" for kind, path in rows]

    def summary(self) -> str:
        """The counts, e.g. `2 added, 3 changed cleanly, 1 conflicting, 0 removed`."""
        return (
            f"{len(self.added)} added, {len(self.changed)} changed cleanly, "
            f"{len(self.conflicting)} conflicting, {len(self.removed)} removed"
        )


def read(project: Path) -> Plan:
    """The changes in `project` against its last commit (untracked files count as added)."""
    status = vcs.git(
        "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", ".", cwd=project
    )
    top = Path(vcs.git("rev-parse", "--show-toplevel", cwd=project).strip())
    prefix = project.resolve().relative_to(top.resolve())
    plan = Plan()
    entries = iter(status.split("\0"))
    for entry in entries:
        if not entry:
            continue
        code, path = entry[:2], entry[3:]
        if code[0] in "RC":  # a rename or copy: the source path follows; skip it
            next(entries, None)
        shown = str(Path(path).relative_to(prefix)) if prefix.parts else path
        if code in UNMERGED or _has_markers(top / path):
            plan.conflicting.append(shown)
        elif code == "??" or "A" in code:
            plan.added.append(shown)
        elif "D" in code:
            plan.removed.append(shown)
        else:
            plan.changed.append(shown)
    return plan


def _has_markers(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return any(line.startswith(CONFLICT_MARKER) for line in f)
    except OSError:
        return False
