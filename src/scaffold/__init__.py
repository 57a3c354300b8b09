"""scaffold: ready-to-run starter projects for six Python web frameworks, kept up to date by copier."""

__version__ = "0.1.0"

__all__ = ["__version__", "create", "update"]


def __getattr__(name: str) -> object:
    # Lazy, so that `import scaffold` (and so `scaffold --help`) never imports copier.
    if name in {"create", "update"}:
        from scaffold import api

        return getattr(api, name)
    raise AttributeError(f"module 'scaffold' has no attribute {name!r}")
