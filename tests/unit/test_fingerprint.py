from pathlib import Path

from scaffold import fingerprint


def make_template(root: Path) -> Path:
    (root / "templates" / "bottle" / "views").mkdir(parents=True)
    (root / "copier.yml").write_text("_subdirectory: templates/bottle\n")
    (root / "catalog.yml").write_text("catalog: {}\n")
    (root / "templates" / "bottle" / "views" / "base.tpl").write_text("<html>")
    return root


def test_the_template_files_are_the_three_roots_without_caches(tmp_path: Path) -> None:
    root = make_template(tmp_path)
    (root / "templates" / "__pycache__").mkdir()
    (root / "templates" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0")
    (root / "templates" / "bottle" / "stale.pyc").write_bytes(b"\0")
    (root / "README.md").write_text("not the template")
    assert fingerprint.files(root) == [
        "catalog.yml",
        "copier.yml",
        "templates/bottle/views/base.tpl",
    ]


def test_the_hash_follows_every_byte_and_name_but_not_caches(tmp_path: Path) -> None:
    root = make_template(tmp_path)
    first = fingerprint.compute(root)
    assert len(first) == fingerprint.LENGTH
    int(first, 16)
    (root / "templates" / "__pycache__").mkdir()
    (root / "templates" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert fingerprint.compute(root) == first
    base = root / "templates" / "bottle" / "views" / "base.tpl"
    base.write_text("<html >")
    edited = fingerprint.compute(root)
    assert edited != first
    base.rename(base.with_name("layout.tpl"))
    assert fingerprint.compute(root) not in {first, edited}


def test_a_recorded_hash_is_used_as_it_is(tmp_path: Path) -> None:
    root = make_template(tmp_path)
    assert fingerprint.content_hash(root) == fingerprint.compute(root)
    (root / fingerprint.HASH_FILE).write_text("0123456789ab\n")
    assert fingerprint.content_hash(root) == "0123456789ab"
