"""One Settings object, read from the environment (prefix PLATFORM_GRAPH_) and passed in."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from platform_graph.build import Paths

__all__ = ["Settings", "default_root"]


def default_root() -> Path:
    """The repository the package runs from: ontology/, shapes/ and data/ live there."""
    return Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Everything an operator can set. Each field is also PLATFORM_GRAPH_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="PLATFORM_GRAPH_", extra="forbid")

    root: Path = default_root()
    """The project folder holding ontology/, shapes/, data/ and queries/."""

    build_dir: Path = Path("build")
    """Where `build` writes the graph (relative paths are under `root`)."""

    @property
    def paths(self) -> Paths:
        return Paths(self.root)

    @property
    def output_dir(self) -> Path:
        return self.build_dir if self.build_dir.is_absolute() else self.root / self.build_dir
