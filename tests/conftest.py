pytest_plugins = [
    "tests.fixtures.saleor_deliveries",
    "tests.fixtures.installations",
    "tests.fixtures.engine",
    "tests.fixtures.graphql",
    "tests.fixtures.network",
    "tests.fixtures.withdrawals",
    "tests.fixtures.api",
]


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_installation_cache():
    """Each test builds its own installations (same URLs, new rows): start every test, as a
    new process would, with no installation kept from an earlier one."""
    from saleor_distribution.installations import cache

    cache.forget_all()
    yield
    cache.forget_all()
