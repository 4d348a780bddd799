"""The API tests run on the installation of the fake Saleor, whose key signs the tokens:
the engine's and the network's factories (`make_seller`, `deliver`, ...) use it too."""

import pytest


@pytest.fixture
def installation(fake_installation):
    return fake_installation
