"""A validated request for a new project, and the answers copier is given for it.

The rules here are copier.yml's validators written in Python, so that the command line can refuse
a bad request with a precise message before copier is even imported. Tests check that both refuse
the same requests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffold.catalog import Catalog, Framework
from scaffold.errors import UsageError

# The questions of copier.yml, in order: the public vocabulary of `-d KEY=VALUE`.
QUESTIONS = (
    "project_name",
    "package_name",
    "description",
    "author_name",
    "author_email",
    "framework",
    "python_version",
    "database",
    "features",
)

# A new project's directory name: one path component that a shell and make handle unquoted.
DIRECTORY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
PACKAGE_NAME = re.compile(r"[a-z][a-z0-9_]*")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
PROJECT_NAME_MAX = 80


def package_name_for(project_name: str) -> str:
    """The package name derived from a project name, exactly as copier.yml derives it."""
    return re.sub(r"[^a-z0-9]+", "_", project_name.lower()).strip("_")


def check_project_name(value: str) -> None:
    """Refuse a project name that cannot be shown in a page title, a README or a TOML string."""
    if not value.strip():
        raise UsageError("the project name must not be empty")
    if len(value) > PROJECT_NAME_MAX:
        raise UsageError(f"the project name must be at most {PROJECT_NAME_MAX} characters")
    if CONTROL_CHARACTERS.search(value):
        raise UsageError("the project name must be one line of printable text")


def check_package_name(catalog: Catalog, value: str, *, derived_from: str | None = None) -> None:
    """Refuse a package name that is not an importable, non-shadowing Python identifier."""
    fix = "pass -d package_name=NAME" if derived_from is not None else "choose another package name"
    if not PACKAGE_NAME.fullmatch(value):
        origin = f" (from the project name '{derived_from}')" if derived_from is not None else ""
        raise UsageError(
            f"'{value}'{origin} is not a usable package name: use lowercase letters, digits and "
            f"underscores, starting with a letter; {fix}"
        )
    if kind := catalog.reserved_kind(value):
        raise UsageError(
            f"the package name '{value}' would shadow a name Python or the project needs ({kind}); {fix}"
        )


def check_email(value: str) -> None:
    """Refuse an author email that is given but is not an address."""
    if value and not EMAIL.fullmatch(value):
        raise UsageError(f"'{value}' is not an email address")


def parse_data(pairs: Iterable[str]) -> dict[str, str]:
    """Turn `-d KEY=VALUE` options into a mapping, refusing unknown keys and malformed pairs."""
    data: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"-d expects KEY=VALUE, got '{pair}'")
        if key not in QUESTIONS:
            raise UsageError(
                f"unknown question '{key}' in -d: the questions are {', '.join(QUESTIONS)}"
            )
        data[key] = value
    return data


def parse_features(value: str) -> list[str]:
    """Read features given as text: `auth`, `auth,api`, `auth api` or `[auth, api]`."""
    return [item for item in re.split(r"[\s,\[\]'\"]+", value) if item]


@dataclass(frozen=True)
class ProjectRequest:
    """Everything needed to render one new project."""

    destination: Path
    answers: Mapping[str, Any] = field(default_factory=dict)
    framework: Framework | None = None

    @property
    def name(self) -> str:
        """The directory name of the project."""
        return self.destination.name


def _one(option: str, given: str | None, data: dict[str, str], key: str) -> str | None:
    if given is not None and key in data and data[key].lower() != given.lower():
        raise UsageError(f"{option} {given} and -d {key}={data[key]} disagree: give one of them")
    return given if given is not None else data.get(key)


def build_request(
    catalog: Catalog,
    name: str,
    *,
    output_dir: Path,
    framework: str | None = None,
    database: str | None = None,
    features: Iterable[str] = (),
    python: str | None = None,
    data: Iterable[str] = (),
    interactive: bool = False,
) -> ProjectRequest:
    """Validate a `scaffold new` request.

    Without `interactive`, every question not given takes its default, so the request is complete
    and fully checked here. With it, questions not given are left to copier's prompts, and only
    what was given is checked.
    """
    if not DIRECTORY_NAME.fullmatch(name):
        raise UsageError(
            f"'{name}' is not a usable project directory name: use letters, digits, '.', '-' and '_', "
            "starting with a letter or digit (put the parent directory in --output-dir)"
        )
    given = parse_data(data)
    answers: dict[str, Any] = {}

    project_name = given.pop("project_name", name)
    check_project_name(project_name)
    answers["project_name"] = project_name

    if "package_name" in given:
        package_name = given.pop("package_name")
        check_package_name(catalog, package_name)
        answers["package_name"] = package_name
    else:
        package_name = package_name_for(project_name)
        try:
            check_package_name(catalog, package_name, derived_from=project_name)
        except UsageError:
            # In a terminal, copier asks for the package name, and its validator explains why
            # the derived one will not do.
            if not interactive:
                raise
        else:
            answers["package_name"] = package_name

    check_email(given.get("author_email", ""))

    framework_name = _one("--framework", framework, given, "framework")
    chosen = catalog.framework(framework_name) if framework_name is not None else None
    if chosen is None and not interactive:
        chosen = catalog.framework(catalog.default_framework)
    if chosen is not None:
        if not chosen.ready:
            ready = ", ".join(fw.name for fw in catalog.frameworks.values() if fw.ready)
            raise UsageError(f"{chosen.label} is not built yet: choose from {ready}")
        answers["framework"] = chosen.name

    database_name = _one("--database", database, given, "database")
    if database_name is not None:
        database_name = catalog.database(database_name).name
    elif chosen is not None and not interactive:
        database_name = chosen.default_database
    if database_name is not None:
        answers["database"] = database_name

    features_text = given.pop("features", None)
    wanted = [
        catalog.feature(feature).name
        for text in [*features, *([features_text] if features_text is not None else [])]
        for feature in parse_features(text)
    ]
    if wanted or not interactive:
        answers["features"] = [feature for feature in catalog.features if feature in wanted]

    python_version = _one("--python", python, given, "python_version")
    if python_version is None and chosen is not None and not interactive:
        python_version = chosen.default_python
    if python_version is not None:
        if chosen is not None and python_version not in chosen.python:
            raise UsageError(
                f"{chosen.label} projects support Python {chosen.python_range}, not {python_version}: "
                f"pass --python {' or '.join(chosen.python)}"
            )
        answers["python_version"] = python_version

    if chosen is not None and database_name is not None:
        problems = catalog.problems(chosen, database_name, tuple(answers.get("features", ())))
        if problems:
            raise UsageError(problems[0])

    for key in ("description", "author_name", "author_email"):
        if key in given:
            answers[key] = given[key]
    return ProjectRequest(destination=output_dir / name, answers=answers, framework=chosen)


def answer_changes(
    catalog: Catalog, answers: Mapping[str, Any], data: Iterable[str]
) -> dict[str, Any]:
    """Validate `-d KEY=VALUE` changes to an existing project's answers; return them for copier.

    The framework cannot change: a project is written in its framework's idiom through and through.
    """
    given: dict[str, Any] = parse_data(data)
    framework_name = str(answers["framework"])
    if "framework" in given and given["framework"].lower() != framework_name:
        raise UsageError(
            f"a project cannot change its framework (this one is {framework_name}): "
            "create a new project with `scaffold new` instead"
        )
    given.pop("framework", None)
    if "features" in given:
        wanted = [catalog.feature(feature).name for feature in parse_features(given["features"])]
        given["features"] = [feature for feature in catalog.features if feature in wanted]
    if "database" in given:
        given["database"] = catalog.database(given["database"]).name
    merged = {**answers, **given}
    if "project_name" in given:
        check_project_name(given["project_name"])
    if "package_name" in given:
        check_package_name(catalog, given["package_name"])
    check_email(str(merged.get("author_email") or ""))
    framework = catalog.framework(framework_name)
    if "python_version" in given and given["python_version"] not in framework.python:
        raise UsageError(
            f"{framework.label} projects support Python {framework.python_range}, "
            f"not {given['python_version']}"
        )
    catalog.database(str(merged.get("database")))
    problems = catalog.problems(
        framework, str(merged["database"]), tuple(merged.get("features") or ())
    )
    if problems:
        raise UsageError(problems[0])
    return given
