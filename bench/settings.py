"""Benchmark-only settings: the service's own, plus a bare endpoint to compare against."""

from saleor_distribution.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
