"""Fixtures shared by test modules: the real tutorial built once per session with the tests'
own Chinese and Japanese (`cjk_fixtures`), for the site and browser tests of those languages."""
import pytest


@pytest.fixture(scope="session")
def cjk_site(tmp_path_factory):
    """(site folder, translations folder, build result) of the tutorial in en, si, zh, ja."""
    import cjk_fixtures
    return cjk_fixtures.build_site(tmp_path_factory.mktemp("cjk"))
