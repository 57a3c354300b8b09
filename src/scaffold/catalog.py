"""The framework facts from catalog.yml, as frozen dataclasses.

catalog.yml is the single source of these facts: copier.yml includes it for its validators and
templates, and this module reads the same file for the command line.
"""

from __future__ import annotations

import contextlib
import functools
import os
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffold.errors import TemplateError, UsageError


@dataclass(frozen=True)
class Database:
    """A database choice."""

    name: str
    label: str
    help: str


@dataclass(frozen=True)
class Feature:
    """An optional feature of a generated project."""

    name: str
    label: str
    help: str
    needs_database: bool


@dataclass(frozen=True)
class Package:
    """A framework's main distribution, and the version range its projects pin."""

    name: str
    range: str
    extras: tuple[str, ...] = ()

    @property
    def requirement(self) -> str:
        """The pin as pyproject.toml writes it, e.g. `emmett[orjson]>=2.8.2,<2.9`."""
        extras = f"[{','.join(self.extras)}]" if self.extras else ""
        return f"{self.name}{extras}{self.range}"


@dataclass(frozen=True)
class Framework:
    """One framework: what it supports and how its projects run."""

    name: str
    label: str
    ready: bool
    python: tuple[str, ...]
    databases: tuple[str, ...]
    features: tuple[str, ...]
    port: int
    make: Mapping[str, str]
    package: Package
    python_below: str | None = None
    python_note: str | None = None
    package_dir: str = "$(PACKAGE)"
    secret: str | None = None
    allowed_hosts: str | None = None
    pages: Mapping[str, str] = field(default_factory=dict)

    @property
    def default_database(self) -> str:
        """The database a project gets when none is chosen."""
        return self.databases[0]

    @property
    def default_python(self) -> str:
        """The minimum Python a project declares when none is chosen."""
        return self.python[0]

    def package_path(self, package_name: str) -> str:
        """Where a project's own code lives, relative to its root (its package, by default)."""
        return self.package_dir.replace("$(PACKAGE)", package_name)

    @property
    def python_range(self) -> str:
        """The Python versions a project may declare, as text (`3.11-3.13`)."""
        return f"{self.python[0]}-{self.python[-1]}" if len(self.python) > 1 else self.python[0]


@dataclass(frozen=True)
class Catalog:
    """All frameworks, databases and features, and the names a package may not take."""

    frameworks: Mapping[str, Framework]
    databases: Mapping[str, Database]
    features: Mapping[str, Feature]
    reserved: Mapping[str, frozenset[str]]
    default_framework: str

    def framework(self, name: str) -> Framework:
        """The framework called `name` (in any case); a UsageError naming the choices if none."""
        return _lookup("framework", name, self.frameworks)

    def database(self, name: str) -> Database:
        """The database called `name` (in any case); a UsageError naming the choices if none."""
        return _lookup("database", name, self.databases)

    def feature(self, name: str) -> Feature:
        """The feature called `name` (in any case); a UsageError naming the choices if none."""
        return _lookup("feature", name, self.features)

    def problems(self, framework: Framework, database: str, features: tuple[str, ...]) -> list[str]:
        """Why this combination cannot be generated; empty when it can (as copier.yml decides)."""
        found = []
        if database not in framework.databases:
            found.append(
                f"{framework.label} projects support the databases "
                f"{', '.join(framework.databases)}, not '{database}'"
            )
        for name in features:
            if name not in framework.features:
                found.append(f"{framework.label} does not support the feature '{name}'")
            elif self.features[name].needs_database and database == "none":
                found.append(
                    f"the feature '{name}' needs a database (--database sqlite or postgresql)"
                )
        return found

    def combinations(self, framework: Framework) -> dict[str, tuple[str, ...]]:
        """For each database the framework supports, the features it can have with it."""
        return {
            database: tuple(
                name
                for name in framework.features
                if not (self.features[name].needs_database and database == "none")
            )
            for database in framework.databases
        }

    def reserved_kind(self, package_name: str) -> str | None:
        """Which reserved list holds `package_name` (keywords, stdlib, ...), or None."""
        return next((kind for kind, names in self.reserved.items() if package_name in names), None)


def _lookup(kind: str, name: str, known: Mapping[str, Any]) -> Any:
    if name.lower() in known:
        return known[name.lower()]
    import difflib

    close = difflib.get_close_matches(name.lower(), list(known), n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    raise UsageError(f"unknown {kind} '{name}': {hint}choose from {', '.join(known)}")


@functools.cache
def load(path: Path | None = None) -> Catalog:
    """Read catalog.yml (this scaffold's own unless `path` is given)."""
    from scaffold.source import template_root

    path = path or template_root() / "catalog.yml"
    try:
        data = _read(path)
        return Catalog(
            frameworks={
                name: Framework(
                    name=name,
                    label=fw["label"],
                    ready=bool(fw["ready"]),
                    python=tuple(fw["python"]),
                    databases=tuple(fw["databases"]),
                    features=tuple(fw["features"]),
                    port=int(fw["port"]),
                    make=dict(fw["make"]),
                    package=Package(
                        name=fw["package"]["name"],
                        range=fw["package"]["range"],
                        extras=tuple(fw["package"].get("extras") or ()),
                    ),
                    python_below=fw.get("python_below"),
                    python_note=fw.get("python_note"),
                    package_dir=fw.get("package_dir", "$(PACKAGE)"),
                    secret=fw.get("secret"),
                    allowed_hosts=fw.get("allowed_hosts"),
                    pages=dict(fw.get("pages") or {}),
                )
                for name, fw in data["frameworks"].items()
            },
            databases={
                name: Database(name, d["label"], d["help"]) for name, d in data["databases"].items()
            },
            features={
                name: Feature(name, f["label"], f["help"], bool(f["needs_database"]))
                for name, f in data["features"].items()
            },
            reserved={kind: frozenset(names) for kind, names in data["reserved"].items()},
            default_framework=data["default_framework"],
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise TemplateError(f"cannot read the framework catalog {path}: {exc}") from exc


def _read(path: Path) -> dict[str, Any]:
    """The catalog's data, from a JSON copy kept per content checksum (YAML is the slow part)."""
    import json

    from scaffold.source import data_dir

    raw = path.read_bytes()
    cached = data_dir() / "cache" / f"catalog-{zlib.crc32(raw):08x}-{len(raw)}.json"
    try:
        return json.loads(cached.read_bytes())
    except (OSError, ValueError):
        pass
    import yaml

    try:
        data = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))["catalog"][
            "default"
        ]
    except yaml.YAMLError as exc:
        raise ValueError(str(exc)) from exc
    with contextlib.suppress(OSError):
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(data))
        os.replace(partial, cached)
    return data
