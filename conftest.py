"""Shared by every test of the project (jiandu/ and tests/)."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: what one test's data put in it (the home page's
    counts, say) must not show in the next test's pages."""
    cache.clear()
    yield
    cache.clear()
