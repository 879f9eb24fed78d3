"""platform-graph: a knowledge graph over Örebro kommun's political platform 2022–2026."""

__version__ = "0.1.0"

__all__ = ["__version__"]
