from pathlib import Path

import pytest

from scaffold import source
from scaffold.errors import TemplateError

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
