"""Put the template into the wheel as scaffold/template/, so an installed scaffold needs no checkout.

Only the standard wheel gets the copy: an editable install reads the template from the checkout.
"""

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

TEMPLATE_FILES = ("copier.yml", "catalog.yml", "templates")


class CustomBuildHook(BuildHookInterface):
    """Adds the template files to standard wheels."""

    def initialize(self, version: str, build_data: dict) -> None:
        """Map each template file to its place inside the package."""
        if version == "standard":
            for name in TEMPLATE_FILES:
                build_data["force_include"][name] = f"scaffold/template/{name}"
