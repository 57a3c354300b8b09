"""`--force`: the template's files over what a destination already held."""

from pathlib import Path

import pytest

from scaffold import staging
from scaffold.errors import DestinationError


def write(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def read(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): path.read_text()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_the_template_wins_except_where_existing_files_are_kept(tmp_path: Path) -> None:
    existing = write(
        tmp_path / "existing",
        {
            "README.md": "my readme",
            ".gitignore": ".env\n",
            ".env": "SECRET_KEY=mine\n",
            "notes/todo.txt": "ship it",
            ".git/HEAD": "ref: refs/heads/main\n",
        },
    )
    rendered = write(
        tmp_path / "rendered",
        {"README.md": "# myapp", ".gitignore": ".env\n", ".env": "SECRET_KEY=new\n"},
    )
    done = staging.overlay(existing, rendered, keep=lambda path: path == ".env")
    assert read(rendered) == {
        ".env": "SECRET_KEY=mine\n",
        ".git/HEAD": "ref: refs/heads/main\n",
        ".gitignore": ".env\n",
        "README.md": "# myapp",
        "notes/todo.txt": "ship it",
    }
    assert done.replaced == ["README.md"]
    assert done.kept == [".env"]
    assert done.others == ["notes/todo.txt"]


def test_symlinks_are_copied_as_links(tmp_path: Path) -> None:
    existing = write(tmp_path / "existing", {"data/real.txt": "x"})
    (existing / "link.txt").symlink_to("data/real.txt")
    (existing / "linked-dir").symlink_to("data")
    rendered = write(tmp_path / "rendered", {"README.md": "# myapp"})
    done = staging.overlay(existing, rendered, keep=lambda _path: False)
    assert (rendered / "link.txt").readlink() == Path("data/real.txt")
    assert (rendered / "linked-dir").readlink() == Path("data")
    assert done.others == ["data/real.txt", "link.txt", "linked-dir"]


@pytest.mark.parametrize(
    ("existing_files", "rendered_files", "message"),
    [
        (
            {"tests": "a file"},
            {"tests/test_app.py": ""},
            "is a file, and the template writes a directory",
        ),
        (
            {"README.md/x": "a directory"},
            {"README.md": ""},
            "is a directory, and the template writes a file",
        ),
    ],
)
def test_a_file_where_the_template_puts_a_directory_is_refused(
    tmp_path: Path, existing_files: dict, rendered_files: dict, message: str
) -> None:
    existing = write(tmp_path / "existing", existing_files)
    rendered = write(tmp_path / "rendered", rendered_files)
    with pytest.raises(DestinationError, match=message):
        staging.overlay(existing, rendered, keep=lambda _path: False)
