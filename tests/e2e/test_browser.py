"""A visitor in a real browser (headless Chromium) against each project's production server.

Every page loads with no console error and asks nothing of any host but the server; with `auth`,
the visitor signs up, logs out, logs in, adds a note, sees it listed and logs out; with a database
and no `auth`, the visitor adds a note and sees it listed. Only catalog data (the pages' paths)
and what is on the page (the form with a password field, the note's text field, their buttons)
guide the browser, so a framework needs nothing more to be covered. A note form that is driven by
the page's scripts works too: the browser waits for the note to appear, however it gets there.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterator

import pytest

from ..conftest import CATALOG, READY, Combination, as_params
from .browser import Browser, browsing
from .conftest import PROJECT_NAME, Project, serving, stub_server

pytestmark = pytest.mark.e2e

PASSWORD = "Plum-Kettle-42-Orbit"


def browser_combinations() -> list[Combination]:
    """Per ready framework: SQLite with every feature and with none, and no database where allowed."""
    found = []
    for framework in READY:
        allowed = CATALOG.combinations(framework)
        database = "sqlite" if "sqlite" in allowed else framework.default_database
        found += [Combination(framework.name, database, allowed[database])]
        found += [Combination(framework.name, database)]
        if "none" in allowed:
            found += [Combination(framework.name, "none")]
    return found


COMBINATIONS = browser_combinations()


def pages_of(project: Project) -> list[str]:
    """The paths of the pages this project has: home, and notes, sign-up and log-in if chosen."""
    pages = project.framework.pages
    paths = ["/"]
    if project.combination.database != "none":
        paths.append(pages["notes"])
    if "auth" in project.combination.features:
        paths += [pages["signup"], pages["login"]]
    return paths


def container_of(field):
    """The form a field belongs to, or (for a form driven by scripts) its nearest block with a button."""
    from selenium.webdriver.common.by import By

    for xpath in ("./ancestor::form[1]", "./ancestor::*[.//button][1]"):
        found = field.find_elements(By.XPATH, xpath)
        if found:
            return found[0]
    raise AssertionError("the field is in no form and near no button")


def visible(browser: Browser, xpath: str) -> list:
    from selenium.webdriver.common.by import By

    return [
        element
        for element in browser.driver.find_elements(By.XPATH, xpath)
        if element.is_displayed()
    ]


def password_form(browser: Browser):
    """The form that holds a password field (sign-up or log-in)."""
    fields = browser.wait_for(
        lambda _: visible(browser, "//input[@type='password']"),
        "no password field on the page",
    )
    return container_of(fields[0])


def submit_account_form(browser: Browser, page: str, identity: str, label: str) -> None:
    """Fill the form with a password field on `page` (sign-up or log-in) and submit it."""
    browser.open(page, label)
    form = password_form(browser)
    browser.fill(form, {"text": identity, "email": identity, "password": PASSWORD})
    browser.submit(form, f"{label}-sent")


def log_out(browser: Browser, project: Project) -> None:
    """Use the page's log-out control: a form posting to the log-out path, or a link to it.

    A link may open a page that asks to confirm with a form of its own: that form is submitted.
    """
    path = project.framework.pages["logout"]
    # Waited for, as below: a page its scripts render (Dash's) has no controls while it loads.
    controls = browser.wait_for(
        lambda _: visible(
            browser,
            f"//form[@action='{path}']//*[self::button or self::input[@type='submit']]"
            f" | //a[@href='{path}']",
        ),
        f"no visible log-out control (a form posting to {path}, or a link)",
    )
    browser.click_and_wait(controls[0], "log-out")
    if browser.path == path:
        forms = browser.wait_for(
            lambda _: visible(browser, "//main//form | //form[.//*[@type='submit']]"),
            f"{path} shows no form to confirm the log-out",
        )
        browser.submit(forms[0], "logged-out")


def assert_logged_in(browser: Browser, project: Project, identity: str) -> None:
    account = project.framework.pages["account"]
    browser.open(account, "account")
    browser.wait_for_text(identity)
    assert browser.path == account


def assert_logged_out(browser: Browser, project: Project, identity: str) -> None:
    """The account page sends the visitor to log in, and nothing shows the account."""
    browser.open(project.framework.pages["account"], "account-when-logged-out")
    password_form(browser)
    assert identity not in browser.text()


def add_note(browser: Browser, project: Project) -> str:
    """Add a note through the notes page's form; wait until the page lists it; its title."""
    title = f"Buy oat milk {secrets.token_hex(3)}"
    body = "and a loaf of rye"
    browser.open(project.framework.pages["notes"], "notes")
    fields = browser.wait_for(
        lambda _: visible(
            browser,
            "//input[(not(@type) or @type='text') and not(ancestor::nav) and not(ancestor::header)]",
        ),
        "no text field to write a note in",
    )
    form = container_of(fields[0])
    browser.fill(form, {"text": title, "textarea": body})
    browser.submit(form, "note-added", until=lambda _: title in browser.text())
    browser.open(project.framework.pages["notes"], "notes-again")
    browser.wait_for_text(title)
    assert body in browser.text()
    return title


@contextlib.contextmanager
def visiting(project: Project, request: pytest.FixtureRequest) -> Iterator[Browser]:
    """A browser on the project's production server."""
    with (
        serving(project.root, "serve", project.env) as server,
        browsing(server.url, request) as browser,
    ):
        yield browser


@pytest.mark.parametrize("combination", as_params(COMBINATIONS))
def test_every_page_loads_cleanly(
    combination: Combination,
    installed_project: Callable[[Combination], Project],
    request: pytest.FixtureRequest,
) -> None:
    project = installed_project(combination)
    with visiting(project, request) as browser:
        problems = []
        for path in pages_of(project):
            browser.open(path)
            if PROJECT_NAME not in browser.driver.title:
                problems.append(
                    f"{path}: the title {browser.driver.title!r} lacks the project's name"
                )
            problems += [f"{path}: {problem}" for problem in browser.problems()]
        assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "combination", as_params([c for c in COMBINATIONS if "auth" in c.features])
)
def test_sign_up_log_out_log_in_add_a_note_and_log_out(
    combination: Combination,
    installed_project: Callable[[Combination], Project],
    request: pytest.FixtureRequest,
) -> None:
    project = installed_project(combination)
    identity = f"ada.{secrets.token_hex(4)}@example.com"
    pages = project.framework.pages
    with visiting(project, request) as browser:
        submit_account_form(browser, pages["signup"], identity, "sign-up")
        assert_logged_in(browser, project, identity)
        log_out(browser, project)
        assert_logged_out(browser, project, identity)
        submit_account_form(browser, pages["login"], identity, "log-in")
        assert_logged_in(browser, project, identity)
        add_note(browser, project)
        log_out(browser, project)
        assert_logged_out(browser, project, identity)
        browser.assert_clean()


@pytest.mark.parametrize(
    "combination",
    as_params([c for c in COMBINATIONS if c.database != "none" and "auth" not in c.features]),
)
def test_a_note_added_in_the_browser_is_listed(
    combination: Combination,
    installed_project: Callable[[Combination], Project],
    request: pytest.FixtureRequest,
) -> None:
    project = installed_project(combination)
    with visiting(project, request) as browser:
        add_note(browser, project)
        browser.assert_clean()


def test_the_browser_reports_console_errors_and_requests_to_other_hosts(
    request: pytest.FixtureRequest,
) -> None:
    """The checks above can fail: a page that logs an error and asks another host is reported.

    The other host is `localhost` on the same loopback server, so nothing leaves the machine.
    """

    def answer(path: str, port: int) -> tuple[int, str, bytes]:
        if path != "/":
            return 200, "image/png", b""
        page = (
            "<!doctype html><title>x</title><link rel=icon href=data:,>"
            f"<img src='http://localhost:{port}/elsewhere.png'>"
            "<script>console.error('broken on purpose')</script>"
        )
        return 200, "text/html", page.encode()

    with stub_server(answer) as url, browsing(url, request) as browser:
        browser.open("/")
        problems = browser.problems()
        assert any("broken on purpose" in problem for problem in problems), problems
        assert any("request to another host: http://localhost:" in p for p in problems), problems
        assert not [p for p in problems if p.startswith("request to another host: http://127")]
