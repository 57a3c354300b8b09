"""Tests of the Emmett app and its migrations; `make test` runs them with pytest."""
