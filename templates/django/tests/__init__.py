"""The project's tests (pytest-django); `make test` runs them."""
