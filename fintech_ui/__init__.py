"""Fintech UI: a storefront for financial products, written in Python with Reflex."""
