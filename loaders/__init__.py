"""Batched data access and bulk loading: geography, the demo dataset, importers."""
