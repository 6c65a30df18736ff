"""Bundled sample data (installed as factorlab.sample_data)."""
