pytest_plugins = [
    "tests.fixtures.saleor_deliveries",
    "tests.fixtures.installations",
    "tests.fixtures.engine",
    "tests.fixtures.graphql",
    "tests.fixtures.network",
    "tests.fixtures.withdrawals",
    "tests.fixtures.api",
]
