"""Put the template into the wheel as scaffold/template/, so an installed scaffold needs no checkout.

Only the standard wheel gets the copy: an editable install reads the template from the checkout.
Beside the template goes its content hash (scaffold.fingerprint), so that an installed scaffold
knows its template's identity without reading every file.
"""

import importlib.util
import shutil
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def _fingerprint(root: Path):
    """scaffold.fingerprint, loaded from its file (the package itself is not importable here)."""
    spec = importlib.util.spec_from_file_location(
        "_scaffold_fingerprint", root / "src" / "scaffold" / "fingerprint.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class CustomBuildHook(BuildHookInterface):
    """Adds the template files, and their content hash, to standard wheels."""

    def initialize(self, version: str, build_data: dict) -> None:
        """Map each template file to its place inside the package."""
        if version != "standard":
            return
        root = Path(self.root)
        fingerprint = _fingerprint(root)
        for name in fingerprint.TEMPLATE_FILES:
            build_data["force_include"][name] = f"scaffold/template/{name}"
        self._scratch = tempfile.mkdtemp(prefix="scaffold-build-")
        hash_file = Path(self._scratch) / fingerprint.HASH_FILE
        hash_file.write_text(fingerprint.compute(root) + "\n")
        build_data["force_include"][str(hash_file)] = f"scaffold/template/{fingerprint.HASH_FILE}"

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        """Remove the scratch directory that held the hash file."""
        scratch = getattr(self, "_scratch", None)
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
