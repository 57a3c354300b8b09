import subprocess
from pathlib import Path

from scaffold.store import TemplateStore


def make_template(root: Path, marker: str) -> Path:
    (root / "templates" / "bottle").mkdir(parents=True)
    (root / "copier.yml").write_text("_subdirectory: templates/bottle\n")
    (root / "catalog.yml").write_text(f"# {marker}\n")
    (root / "templates" / "bottle" / "README.md").write_text(marker)
    return root


def show(store: Path, revision: str) -> str:
    return subprocess.run(
        ["git", "show", revision], cwd=store, capture_output=True, text=True, check=True
    ).stdout


def test_the_store_keeps_one_tagged_commit_per_version(tmp_path: Path) -> None:
    store = TemplateStore(tmp_path / "store")
    assert not store.has("1.0.0")
    assert store.ensure("1.0.0", make_template(tmp_path / "one", "first")) == "v1.0.0"
    assert store.ensure("1.1.0", make_template(tmp_path / "two", "second")) == "v1.1.0"
    assert store.has("1.0.0") and store.has("1.1.0")
    assert show(store.path, "v1.0.0:templates/bottle/README.md") == "first"
    assert show(store.path, "v1.1.0:templates/bottle/README.md") == "second"


def test_the_store_never_rewrites_a_version_it_has(tmp_path: Path) -> None:
    store = TemplateStore(tmp_path / "store")
    store.ensure("1.0.0", make_template(tmp_path / "one", "first"))
    store.ensure("1.0.0", make_template(tmp_path / "other", "changed"))
    assert show(store.path, "v1.0.0:templates/bottle/README.md") == "first"


def test_the_store_is_recorded_relative_to_home_when_it_lives_there(
    monkeypatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    store = TemplateStore(tmp_path / ".local" / "share" / "scaffold" / "templates")
    assert store.location == "~/.local/share/scaffold/templates"
    assert store.is_at("~/.local/share/scaffold/templates")
    elsewhere = TemplateStore(Path("/srv/scaffold/templates"))
    assert elsewhere.location == "/srv/scaffold/templates"
    assert not elsewhere.is_at("~/.local/share/scaffold/templates")
