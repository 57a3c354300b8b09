"""The tests of the project; `make test` runs them."""
