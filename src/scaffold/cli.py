"""The `scaffold` command line: options in, messages and exit statuses out.

Commands import what they need when they run, so `scaffold --help`, `--version` and `list` start
without copier.
"""

from __future__ import annotations

import os
import signal
import sys
import warnings
from typing import Any, NoReturn

import click

from scaffold import __version__
from scaffold.errors import ExitCode, ScaffoldError, shown


class ScaffoldGroup(click.Group):
    """A group that reports every failure as one line on stderr with the right exit status."""

    def main(self, args: Any = None, prog_name: str | None = None, **kwargs: Any) -> NoReturn:  # type: ignore[override]
        """Run the command line, turning errors into one-line messages and exit statuses."""
        kwargs["standalone_mode"] = False
        with warnings.catch_warnings():
            # Copier's warnings (dirty template, old copier, ...) are UserWarnings: show those only.
            warnings.simplefilter("ignore")
            warnings.simplefilter("default", UserWarning)
            warnings.showwarning = _show_warning
            try:
                code = super().main(args, prog_name or "scaffold", **kwargs)
            except click.exceptions.NoArgsIsHelpError as exc:
                # Bare `scaffold`: the help, as click shows it, without an error around it.
                exc.show()
                sys.exit(exc.exit_code)
            except click.ClickException as exc:
                context = getattr(exc, "ctx", None)
                hint = f" (see '{context.command_path} --help')" if context is not None else ""
                _fail(exc.format_message() + hint, exc.exit_code)
            except ScaffoldError as exc:
                _fail(str(exc), exc.exit_code)
            except (KeyboardInterrupt, click.Abort):
                _fail("interrupted", ExitCode.INTERRUPTED)
            except Exception as exc:
                if os.environ.get("SCAFFOLD_DEBUG"):
                    raise
                _fail(
                    f"unexpected {type(exc).__name__}: {exc} (set SCAFFOLD_DEBUG=1 for details)",
                    ExitCode.FAILURE,
                )
        sys.exit(code if isinstance(code, int) else ExitCode.OK)


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _show_warning(
    message: Warning | str, category: type[Warning], *_args: Any, **_kwargs: Any
) -> None:
    click.echo(f"Warning: {' '.join(str(message).split())}", err=True)


def _print_version(context: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or context.resilient_parsing:
        return
    from scaffold import source

    click.echo(f"scaffold {__version__} ({source.identity()})")
    context.exit()


@click.group(
    name="scaffold", cls=ScaffoldGroup, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.option(
    "-V",
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and the template's identity, and exit.",
)
def cli() -> None:
    """Generate ready-to-run starter projects for Python web frameworks.

    Each project installs with one command, passes its own tests, and can be
    updated later from a newer scaffold without losing your edits.
    """


class _FrameworkOption(click.Option):
    """`--framework`, whose help lists the frameworks and their Pythons from the catalog.

    The catalog is read only when the help is shown, so `scaffold --help` stays fast.
    """

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        """The option's help line, with the catalog's frameworks filled in."""
        from scaffold import catalog

        facts = catalog.load()
        ready = [
            f"{fw.name} (Python {fw.python_range}"
            + (", the default)" if fw.name == facts.default_framework else ")")
            for fw in facts.frameworks.values()
            if fw.ready
        ]
        later = [fw.name for fw in facts.frameworks.values() if not fw.ready]
        self.help = f"One of {', '.join(ready)}." + (
            f" Not built yet: {', '.join(later)}." if later else ""
        )
        return super().get_help_record(ctx)


NEW_EPILOG = """Examples:

\b
  scaffold new blog
      a project of the default framework; in a terminal, asks the rest
  scaffold new shop -f django --database postgresql --feature auth,api -y
      a Django project on PostgreSQL with accounts and an API; asks nothing
"""


@cli.command(epilog=NEW_EPILOG)
@click.argument("name")
@click.option("-f", "--framework", metavar="NAME", cls=_FrameworkOption)
@click.option("--database", metavar="NAME", help="sqlite (default), postgresql or none.")
@click.option(
    "--feature",
    "features",
    multiple=True,
    metavar="NAME",
    help="auth, api, docker or ci; repeat it or give several: --feature auth,api.",
)
@click.option(
    "--python",
    metavar="X.Y",
    help="The minimum Python the project declares (default: the framework's oldest).",
)
@click.option(
    "-d",
    "--data",
    multiple=True,
    metavar="KEY=VALUE",
    help="Answer any question, e.g. -d description=...",
)
@click.option(
    "-y", "--defaults", is_flag=True, help="Ask nothing: use defaults for every question not given."
)
@click.option("--pretend", is_flag=True, help="Show what would be created; write nothing.")
@click.option(
    "--force",
    is_flag=True,
    help="Write into a destination that is not empty (its other files are kept, not committed).",
)
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False),
    default=".",
    show_default=True,
    help="The directory to create the project in.",
)
@click.option(
    "--git/--no-git", default=True, show_default=True, help="Make the project a git repository."
)
@click.option(
    "--install",
    is_flag=True,
    help="Create .venv in the project with a Python in its range and install it with its dev extra.",
)
@click.option("--template", metavar="SRC", help="Another copy of the template (a path or git URL).")
@click.option(
    "--vcs-ref", metavar="REF", help="The template's git reference (tag, branch or commit) to use."
)
def new(name: str, defaults: bool, output_dir: str, **options: Any) -> None:
    """Create the project NAME in ./NAME (or in --output-dir).

    In a terminal, questions not answered by options are asked; with
    --defaults, or when input is not a terminal, nothing is asked.
    """
    from scaffold import api

    interactive = not defaults and sys.stdin.isatty()
    project = api.create(
        name,
        output_dir=output_dir,
        interactive=interactive,
        echo=click.echo,
        warn=lambda message: click.echo(f"Warning: {message}", err=True),
        **options,
    )
    if options["pretend"]:
        click.echo(
            f"Nothing was written (--pretend); the project would be created in {shown(project.path)}."
        )
        return
    _report(project)


def _report(project: Any) -> None:
    from scaffold import catalog, installer, messages

    answers = project.answers
    framework = catalog.load().framework(answers["framework"])
    database = catalog.load().database(answers["database"]).label
    features = ", ".join(answers.get("features") or []) or "no optional features"
    python = installer.describe(installer.supported_versions(answers, framework))
    click.echo(
        f"Created {shown(project.path)}: a {framework.label} project ({database}; {features}), "
        f"for Python {python}."
    )
    if project.replaced:
        click.echo(f"Replaced what was already there: {_some(project.replaced)}.")
    if project.committed:
        click.echo("It is a git repository with a first commit, ready for `scaffold update`.")
        if project.others:
            click.echo(
                f"Left out of that commit, as they are not the template's: {_some(project.others)}"
                " (commit them yourself: `scaffold update` needs a clean tree)."
            )
    if project.locked:
        held = project.committed and "uv.lock" not in project.others
        click.echo(
            "uv.lock pins every dependency's version: "
            + ("the first commit holds it." if held else "commit it.")
        )
    for note in project.notes:
        click.echo(f"Note: {note}.")
    click.echo("\nNext:")
    for line in messages.next_steps(answers, shown(project.path), installed=project.installed):
        click.echo(line)


def _some(paths: list[str], at_most: int = 8) -> str:
    """A list of paths, shortened when long."""
    listed = ", ".join(paths[:at_most])
    return listed + (f" and {len(paths) - at_most} more" if len(paths) > at_most else "")


@cli.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_(as_json: bool) -> None:
    """List the frameworks, databases and features, and what each framework supports."""
    from scaffold import catalog

    facts = catalog.load()
    if as_json:
        import json

        click.echo(json.dumps(_catalog_json(facts), indent=2))
        return
    click.echo("Frameworks (* marks those not built yet; each one's first database is its default)")
    _table(_framework_rows(facts))
    notes = [fw for fw in facts.frameworks.values() if fw.python_note]
    if notes:
        click.echo("\nPython limits")
        for framework in notes:
            click.echo(
                f"  Python {framework.python_range} only for {framework.label}: "
                f"{framework.python_note}"
            )
    click.echo("\nDatabases")
    for database in facts.databases.values():
        click.echo(f"  {database.name:<12}{database.label}: {database.help}")
    click.echo("\nFeatures")
    for feature in facts.features.values():
        needs = " (needs a database)" if feature.needs_database else ""
        click.echo(f"  {feature.name:<12}{feature.label}: {feature.help}{needs}")


def _framework_rows(facts: Any) -> list[list[str]]:
    """The frameworks table: a header, then a row per framework and database."""
    rows = [["NAME", "PYTHON", "PACKAGE", "DATABASE", "FEATURES WITH THAT DATABASE"]]
    for framework in facts.frameworks.values():
        name = framework.name + ("" if framework.ready else "*")
        if framework.name == facts.default_framework:
            name += " (default)"
        package = framework.package
        first = [name, framework.python_range, f"{package.name}{package.range}"]
        for database, features in facts.combinations(framework).items():
            rows.append([*first, database, " ".join(features) or "-"])
            first = ["" for _ in first]
    return rows


def _table(rows: list[list[str]]) -> None:
    widths = [max(len(row[column]) for row in rows) + 2 for column in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo(("  " + "".join(cells) + row[-1]).rstrip())


# The version of `scaffold list --json`'s layout: raised when a field changes or goes away.
JSON_SCHEMA_VERSION = 1


def _catalog_json(facts: Any) -> dict[str, Any]:
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "default_framework": facts.default_framework,
        "frameworks": {
            framework.name: {
                "label": framework.label,
                "ready": framework.ready,
                "default": framework.name == facts.default_framework,
                "python": list(framework.python),
                "python_below": framework.python_below,
                "package": {
                    "name": framework.package.name,
                    "extras": list(framework.package.extras),
                    "range": framework.package.range,
                },
                "python_note": framework.python_note,
                "databases": list(framework.databases),
                "default_database": framework.default_database,
                "features": list(framework.features),
                "combinations": {
                    db: list(features) for db, features in facts.combinations(framework).items()
                },
                "port": framework.port,
            }
            for framework in facts.frameworks.values()
        },
        "databases": {
            db.name: {"label": db.label, "help": db.help} for db in facts.databases.values()
        },
        "features": {
            feature.name: {
                "label": feature.label,
                "help": feature.help,
                "needs_database": feature.needs_database,
            }
            for feature in facts.features.values()
        },
    }


@cli.command()
@click.argument("path", default=".", type=click.Path(file_okay=False))
@click.option("--pretend", is_flag=True, help="Print the per-file plan; write nothing.")
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 0 when the project is up to date, 1 (printing the plan) when not.",
)
@click.option(
    "--vcs-ref",
    metavar="REF",
    help="The template version (git tag, branch or commit) to update to.",
)
@click.option(
    "-d", "--data", multiple=True, metavar="KEY=VALUE", help="Change an answer on the way."
)
def update(
    path: str, pretend: bool, check: bool, vcs_ref: str | None, data: tuple[str, ...]
) -> None:
    """Update the project at PATH (default: here) to this scaffold's template.

    Your edits are kept: clean merges are applied, and where you and the
    template changed the same lines the file gets inline conflict markers.
    The project must be a git repository with nothing uncommitted.

    With --check, nothing is written: for a CI job that tells you when the
    template has moved on.
    """
    from scaffold import api

    if check and data:
        raise click.UsageError("--check compares with the template and changes no answers: drop -d")
    result = api.update(path, vcs_ref=vcs_ref, data=data, pretend=pretend or check)
    if check:
        _report_check(result)
        return
    _report_update(result, "Updated", "Would update")


def _report_check(result: Any) -> None:
    name = shown(result.path)
    if not result.plan:
        click.echo(f"{name} is up to date (template {result.new_ref}).")
        return
    click.echo(
        f"{name} is behind (template {result.old_ref}; the latest is {result.new_ref}). "
        f"`scaffold update` would make: {result.plan.summary()}."
    )
    for line in result.plan.lines():
        click.echo(line)
    click.get_current_context().exit(ExitCode.BEHIND)


@cli.command()
@click.argument("feature")
@click.argument("path", default=".", type=click.Path(file_okay=False))
@click.option("--pretend", is_flag=True, help="Print the per-file plan; write nothing.")
def add(feature: str, path: str, pretend: bool) -> None:
    """Add FEATURE (auth, api, docker, ci) to the project at PATH."""
    from scaffold import api

    _report_update(
        api.add(feature, path, pretend=pretend), f"Added {feature} to", f"Would add {feature} to"
    )


@cli.command()
@click.argument("feature")
@click.argument("path", default=".", type=click.Path(file_okay=False))
@click.option("--pretend", is_flag=True, help="Print the per-file plan; write nothing.")
def remove(feature: str, path: str, pretend: bool) -> None:
    """Remove FEATURE from the project at PATH."""
    from scaffold import api

    _report_update(
        api.remove(feature, path, pretend=pretend),
        f"Removed {feature} from",
        f"Would remove {feature} from",
    )


def _report_update(result: Any, done: str, planned: str) -> None:
    name = shown(result.path)
    versions = (
        f"template {result.old_ref}"
        if result.old_ref == result.new_ref
        else f"template {result.old_ref} to {result.new_ref}"
    )
    if not result.plan:
        click.echo(f"Nothing to change in {name}: it is up to date ({versions}).")
        return
    click.echo(
        f"{planned if result.pretend else done} {name} ({versions}): {result.plan.summary()}."
    )
    for line in result.plan.lines():
        click.echo(line)
    for note in result.notes:
        click.echo(f"Note: {note}.")
    if result.pretend:
        click.echo("Nothing was written (--pretend).")
    elif result.plan.conflicting:
        click.echo(
            "Resolve the conflicts (between <<<<<<< and >>>>>>> markers), review with `git diff`, "
            "then commit."
        )
    else:
        click.echo("Review with `git diff`, then commit.")


def main() -> NoReturn:
    """Console entry point: SIGTERM stops a run as cleanly as Ctrl-C does."""
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _interrupt)
    cli.main()


def _interrupt(_signum: int, _frame: object) -> NoReturn:
    raise KeyboardInterrupt
