import subprocess
from pathlib import Path

import pytest

from scaffold import source
from scaffold.errors import TemplateError, UpdateError

from ..conftest import REPO


def test_a_checkout_is_its_own_template_source() -> None:
    assert source.template_root() == REPO
    resolved = source.resolve()
    assert resolved.location == str(REPO)
    assert resolved.ref == "HEAD"


def test_a_given_template_and_ref_are_used_as_given() -> None:
    resolved = source.resolve("gh:someone/template", "v2")
    assert (resolved.location, resolved.ref) == ("gh:someone/template", "v2")


def test_the_data_directory_can_be_overridden(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SCAFFOLD_DATA_DIR", str(tmp_path))
    assert source.data_dir() == tmp_path


def test_a_missing_template_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(source, "PACKAGED_ROOT", tmp_path / "nothing")
    monkeypatch.setattr(source, "CHECKOUT_ROOT", tmp_path / "nothing")
    with pytest.raises(TemplateError, match="reinstall scaffold"):
        source.template_root()


def test_a_project_of_this_checkout_updates_to_its_head() -> None:
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
    )
    resolved = source.for_update(str(REPO), head.stdout.strip())
    assert (resolved.location, resolved.ref) == (str(REPO), "HEAD")


def test_a_project_rendered_from_uncommitted_changes_cannot_be_updated() -> None:
    with pytest.raises(UpdateError, match="uncommitted template changes"):
        source.for_update(str(REPO), "0123abc")


def test_other_sources_are_left_to_copier(tmp_path: Path) -> None:
    assert source.for_update("gh:someone/template", "v1.0.0") == source.TemplateSource(
        "gh:someone/template", None
    )
    assert source.for_update(str(tmp_path), "v1.0.0", "v2") == source.TemplateSource(
        str(tmp_path), "v2"
    )


def test_a_missing_local_source_is_reported(tmp_path: Path) -> None:
    with pytest.raises(UpdateError, match="does not exist on this machine"):
        source.for_update(str(tmp_path / "gone"), "v1.0.0")
