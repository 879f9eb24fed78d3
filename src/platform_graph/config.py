"""One Settings object, read from the environment (prefix PLATFORM_GRAPH_) and passed in."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from platform_graph.build import Paths

__all__ = ["Settings", "default_root"]


def default_root() -> Path:
    """The repository the package runs from: ontology/, shapes/ and data/ live there."""
    return Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Everything an operator can set. Each field is also PLATFORM_GRAPH_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="PLATFORM_GRAPH_", extra="forbid")

    root: Path = Field(
        default_factory=default_root,
        description="Project folder (ontology/, shapes/, data/, queries/).",
    )
    build_dir: Path = Field(
        Path("build"), description="Where `build` writes the graph; relative to root."
    )
    store_path: Path | None = Field(
        Path("var/store"),
        description="The embedded store's folder (relative to root); unset for an in-memory store.",
    )
    host: str = Field("127.0.0.1", description="Address the service listens on.")
    port: int = Field(8000, description="Port the service listens on.")
    base_url: str = Field(
        "", description="Public base URL for links; empty: taken from each request."
    )
    query_timeout: float = Field(
        30.0, gt=0, description="Seconds a /sparql query may run before it is stopped."
    )
    query_workers: int = Field(2, ge=1, description="Worker processes that run /sparql queries.")
    query_workers_max: int = Field(
        4, ge=1, description="Most query workers while slow queries keep the others busy."
    )
    max_rows: int = Field(
        100_000, ge=1, description="Most result rows (or triples) /sparql returns."
    )
    max_body_bytes: int = Field(1_000_000, ge=1024, description="Largest request body accepted.")
    allow_service: bool = Field(False, description="Let /sparql run SERVICE (federated) queries.")
    allow_remote_from: bool = Field(
        False, description="Let FROM name graphs that are not in the store."
    )
    tokens: str = Field(
        "",
        description=(
            "Bearer tokens as name:role:sha256hex entries separated by commas; hashes, never "
            "tokens (`platform-graph token hash` prints one). Roles: reader, editor, admin."
        ),
    )
    tokens_file: Path | None = Field(
        Path("var/tokens.json"),
        description="Issued tokens, hashes only (relative to root); unset: no issued tokens.",
    )

    @property
    def paths(self) -> Paths:
        return Paths(self.root)

    def _under_root(self, path: Path) -> Path:
        return path if path.is_absolute() else self.root / path

    @property
    def output_dir(self) -> Path:
        return self._under_root(self.build_dir)

    @property
    def store_dir(self) -> Path | None:
        return None if self.store_path is None else self._under_root(self.store_path)

    @property
    def tokens_path(self) -> Path | None:
        return None if self.tokens_file is None else self._under_root(self.tokens_file)

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"
