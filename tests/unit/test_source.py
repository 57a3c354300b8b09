import shutil
import subprocess
from pathlib import Path

import pytest

from scaffold import __version__, fingerprint, source
from scaffold.errors import TemplateError, UpdateError, UsageError

from ..conftest import REPO, clean_environ


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


def git(root: Path, *args: str) -> str:
    identity = {
        f"GIT_{who}_{what}": value
        for who in ("AUTHOR", "COMMITTER")
        for what, value in (("NAME", "t"), ("EMAIL", "t@t.t"))
    }
    return subprocess.run(
        ["git", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        env=clean_environ(**identity),
    ).stdout


@pytest.fixture
def template_repo(tmp_path: Path) -> Path:
    """A tiny copier template in git, tagged v1.0.0 and v2.0.0."""
    repo = tmp_path / "template"
    repo.mkdir()
    (repo / "copier.yml").write_text("name: {type: str}\n")
    git(repo, "init", "-q")
    for tag in ("v1.0.0", "v2.0.0"):
        (repo / "version.txt").write_text(tag)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", tag)
        git(repo, "tag", tag)
    return repo


def test_other_sources_are_left_to_copier(template_repo: Path) -> None:
    assert source.for_update("gh:someone/template", "v1.0.0") == source.TemplateSource(
        "gh:someone/template", None
    )
    assert source.for_update(str(template_repo), "v1.0.0", "v2.0.0") == source.TemplateSource(
        str(template_repo), "v2.0.0"
    )


def test_a_given_template_must_be_a_copier_template(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    (tmp_path / "plain").mkdir()
    for given, message in [
        (tmp_path / "missing", "does not exist"),
        (tmp_path / "a-file", "is not a directory"),
        (tmp_path / "plain", "is not a copier template (it has no copier.yml)"),
    ]:
        with pytest.raises(UsageError) as caught:
            source.resolve(str(given))
        assert str(given) in str(caught.value)
        assert message in str(caught.value)
        assert "give a directory holding a copier.yml, or a git URL" in str(caught.value)


def test_a_given_version_must_exist_in_the_template(template_repo: Path, tmp_path: Path) -> None:
    assert source.resolve(str(template_repo), "v1.0.0").ref == "v1.0.0"
    with pytest.raises(UsageError) as caught:
        source.resolve(str(template_repo), "nosuchref")
    assert str(caught.value) == (
        f"the template {template_repo} has no version 'nosuchref' (a git tag, branch or commit): "
        "its versions are v2.0.0, v1.0.0"
    )
    with pytest.raises(UsageError, match="nosuchref"):
        source.for_update(str(template_repo), "v1.0.0", "nosuchref")
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "copier.yml").write_text("")
    with pytest.raises(
        UsageError, match=r"needs a template in git, and .* is not a git repository"
    ):
        source.resolve(str(plain), "v1.0.0")


def test_a_version_this_checkout_lacks_is_refused() -> None:
    with pytest.raises(UsageError, match=f"the template {REPO} has no version 'nosuchref'"):
        source.resolve(vcs_ref="nosuchref")


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This scaffold as an installed wheel has it: a packaged template, and its own store."""
    packaged = tmp_path / "packaged"
    packaged.mkdir()
    for name in ("copier.yml", "catalog.yml"):
        shutil.copy2(REPO / name, packaged / name)
    shutil.copytree(REPO / "templates" / "_shared", packaged / "templates" / "_shared")
    monkeypatch.setattr(source, "PACKAGED_ROOT", packaged)
    monkeypatch.setenv("SCAFFOLD_DATA_DIR", str(tmp_path / "data"))
    return packaged


def test_an_installed_scaffold_renders_from_the_store_tag_of_its_content(
    installed: Path, tmp_path: Path
) -> None:
    resolved = source.resolve()
    assert resolved.location == str(tmp_path / "data" / "templates")
    assert resolved.ref == f"v{__version__}+{fingerprint.compute(installed)}"
    assert source.identity() == f"template {fingerprint.compute(installed)}"
    # Another build of the same version, with another template: another tag.
    catalog = installed / "catalog.yml"
    catalog.write_text(catalog.read_text() + "\n# changed\n")
    changed = source.resolve()
    assert changed.ref == f"v{__version__}+{fingerprint.compute(installed)}"
    assert changed.ref != resolved.ref


def test_an_installed_scaffold_refuses_a_version_its_store_lacks(installed: Path) -> None:
    with pytest.raises(
        UsageError, match="the template store has no version 'main': its versions are v"
    ):
        source.resolve(vcs_ref="main")


def test_a_missing_local_source_is_reported(tmp_path: Path) -> None:
    with pytest.raises(UpdateError, match="does not exist on this machine"):
        source.for_update(str(tmp_path / "gone"), "v1.0.0")
