"""Texts that plain copier prints too, rendered from the template's own partials.

copier.yml's `_message_after_copy` includes templates/_shared/next-steps.jinja, and `scaffold new`
renders that same partial here, so both give the same next steps for every framework.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NEXT_STEPS = "templates/_shared/next-steps.jinja"


def next_steps(
    answers: Mapping[str, Any], project_dir: str, *, installed: bool = False
) -> list[str]:
    """The commands to run after creating a project, one per line (indented as copier shows them)."""
    import jinja2

    from scaffold import catalog
    from scaffold.source import template_root

    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(template_root()))
    text = environment.get_template(NEXT_STEPS).render(
        catalog=catalog.load(),
        framework=answers["framework"],
        database=answers.get("database", ""),
        project_dir=project_dir,
        installed=installed,
    )
    return [line for line in text.splitlines() if line.strip()]
