"""Placeholder: filled in by the factor statistics work."""

__all__: list[str] = []
