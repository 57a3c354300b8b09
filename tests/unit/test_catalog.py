import datetime
import keyword
import sys

import pytest
import yaml

from scaffold.catalog import Catalog
from scaffold.errors import UsageError

from ..conftest import CATALOG, REPO

NAMES = ["django", "web2py", "emmett", "cherrypy", "bottle", "dash"]


class _IncludeLoader(yaml.SafeLoader):
    """Reads copier.yml without resolving its !include tags."""


_IncludeLoader.add_constructor("!include", lambda loader, node: None)


def copier_questions() -> dict:
    with open(REPO / "copier.yml") as f:
        documents = [doc for doc in yaml.load_all(f, Loader=_IncludeLoader) if doc]
    merged: dict = {}
    for document in documents:
        merged.update(document)
    return {key: value for key, value in merged.items() if not key.startswith("_")}


def test_catalog_lists_the_six_frameworks_by_their_fixed_names() -> None:
    assert list(CATALOG.frameworks) == NAMES


def test_frameworks_refer_only_to_known_databases_and_features() -> None:
    for framework in CATALOG.frameworks.values():
        assert framework.databases and set(framework.databases) <= set(CATALOG.databases)
        assert set(framework.features) <= set(CATALOG.features)
        assert framework.python, framework.name
        versions = [tuple(map(int, v.split("."))) for v in framework.python]
        assert versions == sorted(versions), f"{framework.name}: python versions out of order"


PAGES_OF_AUTH = {"signup", "login", "account", "logout"}


def test_ready_frameworks_name_their_secret_and_pages() -> None:
    for framework in CATALOG.frameworks.values():
        if framework.ready:
            assert framework.secret, framework.name
            needed = {"notes"} if set(framework.databases) - {"none"} else set()
            needed |= PAGES_OF_AUTH if "auth" in framework.features else set()
            needed |= {"api"} if "api" in framework.features else set()
            assert needed <= set(framework.pages), framework.name
            assert all(path.startswith("/") for path in framework.pages.values())


def test_ready_frameworks_with_a_database_migrate_it() -> None:
    for framework in CATALOG.frameworks.values():
        if framework.ready and framework.databases != ("none",):
            assert framework.make.get("migrate"), framework.name
        if "migration" in framework.make:
            # `make migration m="..."` hands the message over in the shell variable m.
            assert '"$$m"' in framework.make["migration"], framework.name


def end_of_life(version: str) -> datetime.date:
    """When CPython stops fixing a 3.x release: five years after its October release (PEP 602)."""
    major, minor = map(int, version.split("."))
    assert major == 3, version
    return datetime.date(2016 + minor, 10, 31)


def test_end_of_life_follows_the_published_dates() -> None:
    assert end_of_life("3.9") == datetime.date(2025, 10, 31)
    assert end_of_life("3.13") == datetime.date(2029, 10, 31)


def test_no_framework_offers_a_python_past_its_end_of_life() -> None:
    today = datetime.date.today()
    for framework in CATALOG.frameworks.values():
        for version in framework.python:
            assert end_of_life(version) > today, f"{framework.name} offers Python {version}"


def test_copier_framework_choices_are_the_catalog_frameworks() -> None:
    choices = copier_questions()["framework"]["choices"]
    values = [
        choice["value"] if isinstance(choice, dict) else choice for choice in choices.values()
    ]
    assert values == NAMES


def test_copier_database_and_feature_choices_are_the_catalog_ones() -> None:
    questions = copier_questions()
    databases = [choice["value"] for choice in questions["database"]["choices"].values()]
    features = [choice["value"] for choice in questions["features"]["choices"].values()]
    assert databases == list(CATALOG.databases)
    assert features == list(CATALOG.features)


def test_ready_frameworks_and_template_folders_agree() -> None:
    folders = {
        path.name for path in (REPO / "templates").iterdir() if not path.name.startswith("_")
    }
    assert folders == {name for name, framework in CATALOG.frameworks.items() if framework.ready}


def test_reserved_names_cover_keywords_and_the_standard_library() -> None:
    reserved = set().union(*CATALOG.reserved.values())
    public_stdlib = {name for name in sys.stdlib_module_names if not name.startswith("_")}
    assert public_stdlib <= reserved
    assert {kw for kw in keyword.kwlist if kw.islower()} <= reserved
    assert {"tests", "bottle", "django", "sqlalchemy"} <= reserved


def test_combinations_leave_out_features_that_need_a_database() -> None:
    bottle = CATALOG.framework("bottle")
    combinations = CATALOG.combinations(bottle)
    assert combinations["sqlite"] == ("auth", "api", "docker", "ci")
    assert combinations["none"] == ("docker", "ci")


def test_problems_explain_each_unsupported_choice() -> None:
    bottle = CATALOG.framework("bottle")
    assert CATALOG.problems(bottle, "sqlite", ("auth", "api")) == []
    [problem] = CATALOG.problems(bottle, "none", ("auth",))
    assert "needs a database" in problem
    django = CATALOG.framework("django")
    assert "not 'none'" in CATALOG.problems(django, "none", ())[0]


@pytest.mark.parametrize(
    ("lookup", "name", "hint"),
    [
        (Catalog.framework, "botle", "did you mean 'bottle'?"),
        (Catalog.database, "postgres", "did you mean 'postgresql'?"),
        (Catalog.feature, "docekr", "did you mean 'docker'?"),
        (Catalog.feature, "graphql", "choose from auth, api, docker, ci"),
    ],
)
def test_unknown_names_suggest_the_closest(lookup, name: str, hint: str) -> None:
    with pytest.raises(UsageError, match=hint):
        lookup(CATALOG, name)


def test_the_default_framework_is_ready_and_copier_defaults_to_it() -> None:
    assert CATALOG.framework(CATALOG.default_framework).ready
    assert copier_questions()["framework"]["default"] == "{{ catalog.default_framework }}"


def test_every_framework_names_its_main_package_and_a_bounded_range() -> None:
    for framework in CATALOG.frameworks.values():
        package = framework.package
        assert package.name and package.name == package.name.lower(), framework.name
        assert package.range.startswith(">=") and ",<" in package.range, framework.name
    assert CATALOG.framework("emmett").package.requirement.startswith("emmett[orjson]>=")


def test_names_are_found_in_any_case() -> None:
    assert CATALOG.framework("Django").name == "django"
    assert CATALOG.database("PostgreSQL").name == "postgresql"
    assert CATALOG.feature("API").name == "api"
