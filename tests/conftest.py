pytest_plugins = [
    "tests.fixtures.saleor_deliveries",
    "tests.fixtures.installations",
    "tests.fixtures.graphql",
    "tests.fixtures.withdrawals",
]
