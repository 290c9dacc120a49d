"""The checks run by hand use the search tests' fixtures."""

from tests.search.conftest import expert, owner, states  # noqa: F401
