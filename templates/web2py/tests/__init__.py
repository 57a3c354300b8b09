"""Tests of the web2py application; `make test` runs them with pytest and WebTest."""
