import subprocess
import zipfile
from pathlib import Path

import pytest

from scaffold import fingerprint, store
from scaffold.errors import TemplateError
from scaffold.store import TemplateStore, parse_tag, version_tag


def make_template(root: Path, marker: str) -> Path:
    (root / "templates" / "bottle").mkdir(parents=True)
    (root / "copier.yml").write_text("_subdirectory: templates/bottle\n")
    (root / "catalog.yml").write_text(f"# {marker}\n")
    (root / "templates" / "bottle" / "README.md").write_text(marker)
    return root


def git(store_path: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=store_path, capture_output=True, text=True, check=True
    ).stdout


def test_tags_name_the_version_and_the_content() -> None:
    assert version_tag("1.0.0", "0123456789ab") == "v1.0.0+0123456789ab"
    assert parse_tag("v1.0.0+0123456789ab") == ("1.0.0", "0123456789ab")
    assert parse_tag("v1.0.0") == ("1.0.0", None)


def test_the_store_keeps_one_tagged_commit_per_template(tmp_path: Path) -> None:
    templates = TemplateStore(tmp_path / "store")
    one, two = make_template(tmp_path / "one", "first"), make_template(tmp_path / "two", "second")
    first = templates.ensure("1.0.0", one)
    assert first == f"v1.0.0+{fingerprint.compute(one)}"
    assert templates.ensure("1.1.0", two) == f"v1.1.0+{fingerprint.compute(two)}"
    assert templates.has(first)
    assert git(templates.path, "show", f"{first}:templates/bottle/README.md") == "first"


def test_two_templates_of_one_version_each_get_their_own_tag(tmp_path: Path) -> None:
    templates = TemplateStore(tmp_path / "store")
    first = templates.ensure("1.0.0", make_template(tmp_path / "one", "first"))
    changed = templates.ensure("1.0.0", make_template(tmp_path / "other", "changed"))
    assert first != changed
    assert git(templates.path, "show", f"{first}:templates/bottle/README.md") == "first"
    assert git(templates.path, "show", f"{changed}:templates/bottle/README.md") == "changed"
    # Back to the first template: its tag is found again, nothing new is committed.
    commits = git(templates.path, "rev-list", "--count", "HEAD")
    assert templates.ensure("1.0.0", make_template(tmp_path / "again", "first")) == first
    assert git(templates.path, "rev-list", "--count", "HEAD") == commits


def test_each_tag_has_a_commit_of_its_own_so_git_describe_names_it(tmp_path: Path) -> None:
    templates = TemplateStore(tmp_path / "store")
    same = make_template(tmp_path / "one", "same")
    tags = [templates.ensure(version, same) for version in ("1.0.0", "1.0.1")]
    for tag in tags:
        git(templates.path, "checkout", "-q", tag)
        assert git(templates.path, "describe", "--tags", "--always").strip() == tag


def test_only_the_template_files_are_stored(tmp_path: Path) -> None:
    template = make_template(tmp_path / "one", "first")
    (template / fingerprint.HASH_FILE).write_text("recorded\n")
    (template / "templates" / "__pycache__").mkdir()
    (template / "templates" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    (template / "unrelated.txt").write_text("not the template")
    templates = TemplateStore(tmp_path / "store")
    tag = templates.ensure("1.0.0", template)
    assert tag == "v1.0.0+recorded"
    listed = git(templates.path, "ls-tree", "-r", "--name-only", tag).split()
    assert listed == [".gitignore", "catalog.yml", "copier.yml", "templates/bottle/README.md"]


def test_the_store_is_recorded_relative_to_home_when_it_lives_there(
    monkeypatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    templates = TemplateStore(tmp_path / ".local" / "share" / "scaffold" / "templates")
    assert templates.location == "~/.local/share/scaffold/templates"
    assert templates.is_at("~/.local/share/scaffold/templates")
    elsewhere = TemplateStore(Path("/srv/scaffold/templates"))
    assert elsewhere.location == "/srv/scaffold/templates"
    assert not elsewhere.is_at("~/.local/share/scaffold/templates")


@pytest.fixture
def released(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A released scaffold 1.0.0 wheel, which `pip download` would fetch."""
    template = make_template(tmp_path / "released", "released")
    (template / "templates" / "bottle" / "manage.py").write_text("#!/usr/bin/env python\n")
    wheel = tmp_path / "scaffold-1.0.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("scaffold/__init__.py", "")
        for relative in fingerprint.files(template):
            info = zipfile.ZipInfo(f"scaffold/template/{relative}")
            info.external_attr = (0o755 if relative.endswith("manage.py") else 0o644) << 16
            archive.writestr(info, (template / relative).read_bytes())

    def download(version: str, into: Path, role: str) -> Path:
        assert version == "1.0.0"
        return wheel

    monkeypatch.setattr(store, "_download_wheel", download)
    return template


def test_a_missing_template_is_rebuilt_from_its_released_wheel(
    tmp_path: Path, released: Path
) -> None:
    templates = TemplateStore(tmp_path / "store")
    tag = f"v1.0.0+{fingerprint.compute(released)}"
    templates.rebuild(tag, "the template this project was made from")
    assert templates.has(tag)
    assert git(templates.path, "show", f"{tag}:templates/bottle/README.md") == "released"
    mode = git(templates.path, "ls-tree", tag, "templates/bottle/manage.py").split()[0]
    assert mode == "100755"
    templates.rebuild("v1.0.0", "the template this project was made from")
    assert templates.has("v1.0.0")


def test_a_template_of_another_build_of_the_version_is_not_taken_from_the_release(
    tmp_path: Path, released: Path
) -> None:
    templates = TemplateStore(tmp_path / "store")
    with pytest.raises(TemplateError) as caught:
        templates.rebuild("v1.0.0+0123456789ab", "the template this project was made from")
    message = str(caught.value)
    assert "template 0123456789ab of scaffold 1.0.0" in message
    assert f"carries another template ({fingerprint.compute(released)})" in message
    assert not templates.has("v1.0.0+0123456789ab")
