"""saleor-distribution: a Saleor App for distribution malls (分销商城)."""

__version__ = "0.1.0"
