from pathlib import Path

import pytest

from scaffold.errors import UsageError
from scaffold.spec import (
    QUESTIONS,
    answer_changes,
    build_request,
    check_package_name,
    check_project_name,
    package_name_for,
    parse_data,
    parse_features,
)

from ..conftest import CATALOG, UNBUILT, catalog_with_unbuilt
from .test_catalog import copier_questions

OUT = Path("/projects")


def request(name: str = "myapp", **options):
    return build_request(CATALOG, name, output_dir=OUT, **options)


def test_questions_are_those_of_copier_yml_in_order() -> None:
    assert tuple(copier_questions()) == QUESTIONS


@pytest.mark.parametrize(
    ("project_name", "package_name"),
    [
        ("myapp", "myapp"),
        ("My Blog", "my_blog"),
        ("my-app-2", "my_app_2"),
        ("--Weird__Name--", "weird_name"),
        ("Café Society", "caf_society"),
        ("2fast", "2fast"),
    ],
)
def test_package_name_is_derived_from_the_project_name(
    project_name: str, package_name: str
) -> None:
    assert package_name_for(project_name) == package_name


@pytest.mark.parametrize("name", ["", "   ", "x" * 81, "two\nlines", "tab\there"])
def test_unusable_project_names_are_refused(name: str) -> None:
    with pytest.raises(UsageError, match="project name"):
        check_project_name(name)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("2fast", "not a usable package name"),
        ("My_App", "not a usable package name"),
        ("", "not a usable package name"),
        ("os", r"shadow .*\(stdlib\)"),
        ("class", r"shadow .*\(keywords\)"),
        ("bottle", r"shadow .*\(libraries\)"),
        ("tests", r"shadow .*\(project\)"),
    ],
)
def test_unusable_package_names_are_refused(name: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        check_package_name(CATALOG, name)


def test_defaults_fill_every_question_when_nothing_is_asked() -> None:
    made = request(framework="bottle")
    assert made.destination == OUT / "myapp"
    assert made.answers == {
        "project_name": "myapp",
        "package_name": "myapp",
        "framework": "bottle",
        "database": "sqlite",
        "features": [],
        "python_version": "3.11",
    }


def test_interactive_requests_leave_unanswered_questions_to_copier() -> None:
    made = request(interactive=True)
    assert made.answers == {"project_name": "myapp", "package_name": "myapp"}
    assert made.framework is None


def test_features_are_deduplicated_and_put_in_catalog_order() -> None:
    made = request(framework="bottle", features=["ci", "auth", "ci"], data=["features=api,docker"])
    assert made.answers["features"] == ["auth", "api", "docker", "ci"]


@pytest.mark.parametrize(
    ("text", "features"),
    [
        ("auth,api", ["auth", "api"]),
        ("auth api", ["auth", "api"]),
        ("[auth, 'api']", ["auth", "api"]),
        ("", []),
    ],
)
def test_features_can_be_given_as_text(text: str, features: list[str]) -> None:
    assert parse_features(text) == features


def test_data_answers_any_question() -> None:
    made = request(
        data=["description=A {{ 7*7 }} app", "project_name=My Blog", "author_email=a@b.io"]
    )
    assert made.answers["description"] == "A {{ 7*7 }} app"
    assert made.answers["project_name"] == "My Blog"
    assert made.answers["package_name"] == "my_blog"
    assert made.destination.name == "myapp"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"framework": "flask"}, "unknown framework 'flask'"),
        ({"framework": "django", "database": "none"}, "Django projects support the databases"),
        ({"database": "mysql"}, "unknown database 'mysql'"),
        ({"features": ["graphql"]}, "unknown feature 'graphql'"),
        ({"database": "none", "features": ["auth"]}, "'auth' needs a database"),
        ({"database": "none", "data": ["features=api"]}, "'api' needs a database"),
        ({"python": "3.9"}, r"Python 3\.11-3\.13, not 3\.9"),
        ({"data": ["colour=blue"]}, "unknown question 'colour'"),
        ({"data": ["framework"]}, "KEY=VALUE"),
        ({"framework": "bottle", "data": ["framework=dash"]}, "disagree"),
        ({"data": ["author_email=nobody"]}, "not an email address"),
        ({"data": ["package_name=sys"]}, "shadow"),
    ],
)
def test_bad_requests_are_refused_with_a_reason(options: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        request(**options)


def test_a_framework_not_built_yet_is_refused_with_those_that_are() -> None:
    label = CATALOG.frameworks[UNBUILT].label
    with pytest.raises(UsageError, match=f"{label} is not built yet: choose from ") as refused:
        build_request(catalog_with_unbuilt(), "myapp", output_dir=OUT, framework=UNBUILT)
    assert UNBUILT not in str(refused.value).partition("choose from")[2]


@pytest.mark.parametrize("name", ["../escape", "my app", ".hidden", "a/b", "-rf", ""])
def test_directory_names_must_be_plain(name: str) -> None:
    with pytest.raises(UsageError, match="directory name"):
        request(name)


def test_a_name_that_derives_a_bad_package_name_says_how_to_fix_it() -> None:
    with pytest.raises(UsageError, match="-d package_name="):
        request("os")
    assert request("os", data=["package_name=os_tools"]).answers["package_name"] == "os_tools"


def test_parse_data_keeps_everything_after_the_first_equals_sign() -> None:
    assert parse_data(["description=a=b"]) == {"description": "a=b"}


ANSWERS = {
    "_src_path": "~/.local/share/scaffold/templates",
    "_commit": "v0.1.0",
    "project_name": "myapp",
    "package_name": "myapp",
    "framework": "bottle",
    "database": "sqlite",
    "features": ["api"],
    "python_version": "3.11",
}


def test_answer_changes_pass_valid_changes_through_normalised() -> None:
    changes = answer_changes(CATALOG, ANSWERS, ["features=ci,auth,api", "database=postgresql"])
    assert changes == {"features": ["auth", "api", "ci"], "database": "postgresql"}
    assert answer_changes(CATALOG, ANSWERS, ["framework=bottle"]) == {}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (["framework=django"], "cannot change its framework"),
        (["database=none"], "'api' needs a database"),
        (["database=oracle"], "unknown database 'oracle'"),
        (["features=auth,graphql"], "unknown feature 'graphql'"),
        (["python_version=3.8"], "support Python"),
        (["package_name=json"], "shadow"),
        (["colour=red"], "unknown question"),
    ],
)
def test_answer_changes_refuse_what_a_new_project_would_refuse(
    data: list[str], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        answer_changes(CATALOG, ANSWERS, data)


def test_names_of_frameworks_databases_and_features_are_case_insensitive() -> None:
    made = request(framework="Django", database="PostgreSQL", features=["Auth", "API"])
    assert made.answers["framework"] == "django"
    assert made.answers["database"] == "postgresql"
    assert made.answers["features"] == ["auth", "api"]
    assert request(framework="BOTTLE", data=["framework=bottle"]).answers["framework"] == "bottle"
    changes = answer_changes(CATALOG, ANSWERS, ["framework=Bottle", "database=SQLite"])
    assert changes == {"database": "sqlite"}


def test_each_feature_option_may_name_several_features() -> None:
    made = request(framework="bottle", features=["auth,api", "ci"])
    assert made.answers["features"] == ["auth", "api", "ci"]


def test_without_a_framework_the_catalog_default_is_used() -> None:
    assert request().answers["framework"] == CATALOG.default_framework


@pytest.mark.parametrize("name", ["2fast", "os", "tests"])
def test_in_a_terminal_an_unusable_derived_package_name_is_left_to_the_prompt(name: str) -> None:
    made = request(name, interactive=True, framework="bottle")
    assert "package_name" not in made.answers
    assert made.answers["project_name"] == name
    with pytest.raises(UsageError, match="package"):
        request(name, framework="bottle")


def test_in_a_terminal_a_given_unusable_package_name_is_still_refused() -> None:
    with pytest.raises(UsageError, match="shadow"):
        request(interactive=True, data=["package_name=os"])
