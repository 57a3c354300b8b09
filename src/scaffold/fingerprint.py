"""The template's identity: a hash of its content, the same wherever the template comes from.

Standard library only, so that the wheel build (hatch_build.py) loads this file on its own and
writes the hash into the wheel: an installed scaffold then knows its template's identity without
reading every file.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

# The files that make up the template, relative to its root (the repository or the packaged copy).
TEMPLATE_FILES = ("copier.yml", "catalog.yml", "templates")
# What the template may hold that is not part of it: Python's caches.
IGNORED_DIRECTORIES = frozenset({"__pycache__"})
IGNORED_SUFFIXES = (".pyc", ".pyo")
# The file, beside the packaged template, that holds the hash computed when the wheel was built.
HASH_FILE = "content-hash"
LENGTH = 12


def files(root: Path) -> list[str]:
    """The template's files under `root`, as sorted POSIX paths relative to it."""
    found = []
    for name in TEMPLATE_FILES:
        path = root / name
        if path.is_file():
            found.append(name)
            continue
        for directory, subdirectories, names in os.walk(path):
            subdirectories[:] = [d for d in subdirectories if d not in IGNORED_DIRECTORIES]
            relative = Path(directory).relative_to(root)
            found.extend(
                (relative / file).as_posix()
                for file in names
                if not file.endswith(IGNORED_SUFFIXES)
            )
    return sorted(found)


def compute(root: Path) -> str:
    """The hash of the template under `root`: its files' paths and bytes (not their modes)."""
    digest = hashlib.sha256()
    for relative in files(root):
        data = (root / relative).read_bytes()
        digest.update(f"{relative}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()[:LENGTH]


def content_hash(root: Path) -> str:
    """The template's hash: the one recorded when the wheel was built, else computed now."""
    try:
        recorded = (root / HASH_FILE).read_text().strip()
    except OSError:
        return compute(root)
    return recorded or compute(root)
