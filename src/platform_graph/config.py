"""One Settings object, read from the environment (prefix PLATFORM_GRAPH_) and passed in."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Paths", "Settings", "default_home", "default_root", "settings_environment"]

_MARKER = Path("ontology") / "platform-graph.ttl"
_CHECKOUT = Path(__file__).resolve().parents[2]
_INSTALLED = Path(sys.prefix) / "share" / "platform-graph"


@dataclass(frozen=True, slots=True)
class Paths:
    """Where the project's content lives: the ontology, the shapes, the named queries and
    the data (the source text and the curated facts), as in the repository."""

    root: Path
    extra_platforms: tuple[Path, ...] = ()
    """Platform folders built beside those of data/ (the development texts, in tests)."""

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def ontology(self) -> Path:
        return self.root / "ontology" / "platform-graph.ttl"

    @property
    def themes(self) -> Path:
        return self.root / "ontology" / "themes.ttl"

    @property
    def shapes(self) -> Path:
        return self.root / "shapes" / "platform-graph.shapes.ttl"

    @property
    def queries(self) -> Path:
        return self.root / "queries"


def default_root() -> Path:
    """The project's content: the checkout the package runs from, or (installed from a
    wheel) the copy installed with it under ``<prefix>/share/platform-graph``."""
    for candidate in (_CHECKOUT, _INSTALLED):
        if (candidate / _MARKER).is_file():
            return candidate
    return _CHECKOUT  # the check on the setting says what is missing


def default_home() -> Path:
    """Where the service keeps what it writes: the checkout when it runs from one (so that
    ``make serve`` keeps build/ and var/ there), else the current directory."""
    return _CHECKOUT if (_CHECKOUT / _MARKER).is_file() else Path.cwd()


class Settings(BaseSettings):
    """Everything an operator can set. Each field is also PLATFORM_GRAPH_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="PLATFORM_GRAPH_", extra="forbid")

    root: Path = Field(
        default_factory=default_root,
        description=(
            "The project's content: ontology/, shapes/, queries/ and data/ (by default the "
            "checkout, or the copy installed with the package)."
        ),
    )
    extra_platforms: str = Field(
        "",
        description=(
            "Further platform folders to build beside those of data/platforms/, separated "
            "by commas (relative to root), e.g. data/dev/exempelby-2026-2030."
        ),
    )
    home: Path = Field(
        default_factory=default_home,
        description=(
            "Where the service writes (build/, var/): the relative paths below are under it "
            "(by default the checkout, or the current directory for an installed package)."
        ),
    )
    build_dir: Path = Field(
        Path("build"), description="Where `build` writes the graph; relative to home."
    )
    store_path: Path | None = Field(
        Path("var/store"),
        description="The embedded store's folder (relative to home); unset for an in-memory store.",
    )
    store_url: str = Field(
        "",
        description=(
            "A SPARQL 1.1 query endpoint (Virtuoso, Fuseki, GraphDB) to use instead of the "
            "embedded store; empty: the embedded store at store_path."
        ),
    )
    store_update_url: str = Field(
        "", description="The remote store's update endpoint; empty: the same as store_url."
    )
    store_user: str = Field("", description="User name for the remote store's endpoints.")
    store_password: SecretStr = Field(
        SecretStr(""), description="Password for the remote store's endpoints."
    )
    store_auth: Literal["digest", "basic"] = Field(
        "digest", description="HTTP authentication the remote store asks for."
    )
    store_dialect: Literal["standard", "virtuoso"] = Field(
        "standard",
        description=(
            "What the remote server needs beyond the standard: `virtuoso` leaves Virtuoso's "
            "system graphs out of every query."
        ),
    )
    store_batch_size: int = Field(
        1000, ge=1, le=3000, description="Quads per update operation sent to a remote store."
    )
    writer_lock_path: Path = Field(
        Path("var/writer.lock"),
        description=(
            "File lock that lets one process at a time write to a remote store (relative to "
            "home; processes on one machine share it)."
        ),
    )
    host: str = Field("127.0.0.1", description="Address the service listens on.")
    port: int = Field(8000, description="Port the service listens on.")
    base_url: str = Field(
        "",
        description=(
            "Public base URL for links (Location, the service description, VoID); empty: "
            "http://HOST:PORT of this server. Never taken from a request's Host header."
        ),
    )
    query_timeout: float = Field(
        30.0,
        gt=0,
        description="Seconds a query (/sparql, named, REST) may run before it is stopped.",
    )
    query_workers: int = Field(2, ge=1, description="Worker processes that run /sparql queries.")
    query_workers_max: int = Field(
        4, ge=1, description="Most query workers while slow queries keep the others busy."
    )
    query_copy_max_quads: int | None = Field(
        1_000_000,
        ge=0,
        description=(
            "Up to this many quads (the default: a million) each query worker holds its own "
            "copy of the data in memory, the fastest to query. Above it, on the embedded "
            "store on disk, the workers read snapshots of the store instead: one copy for "
            "all, a start in milliseconds, far less memory, slower on large joins "
            "(docs/benchmarks.md). 0: always snapshots."
        ),
    )
    answer_cache_mb: int = Field(
        64,
        ge=0,
        description=(
            "Memory (MiB) for query answers kept for the data's current version: the same "
            "query, asked again before the next change, is answered without running it "
            "(store/answer_cache.py). 0: every query runs."
        ),
    )
    max_rows: int = Field(
        100_000, ge=1, description="Most result rows (or triples) /sparql returns."
    )
    max_body_bytes: int = Field(1_000_000, ge=1024, description="Largest request body accepted.")
    max_result_bytes: int = Field(
        32 * 2**20,
        ge=1024,
        description="Largest /sparql answer in bytes; past it the answer is cut (and says so).",
    )
    query_memory_mb: int = Field(
        1024,
        ge=16,
        description=(
            "Memory (MiB) a query or update may use beyond the worker's copy of the data; "
            "past it the worker is stopped and replaced."
        ),
    )
    max_change_quads: int = Field(
        100_000,
        ge=1,
        description="Most quads one SPARQL Update may add or remove (for anyone).",
    )
    editor_max_removals: int = Field(
        500,
        ge=0,
        description="Most triples an editor may remove in one change; beyond: an admin's.",
    )
    header_timeout: float = Field(
        10.0, gt=0, description="Seconds a client has to send a request's headers."
    )
    body_timeout: float = Field(
        30.0, gt=0, description="Seconds a client may pause while sending a request body."
    )
    max_connections: int = Field(
        256, ge=8, description="Open connections served at once; past it: 503."
    )
    frame_ancestors: str = Field(
        "'none'",
        description="Who may frame the pages (CSP frame-ancestors), e.g. 'self' or an origin.",
    )
    cors_origins: str = Field(
        "*",
        description=(
            "Origins whose pages may read the data from a browser (CORS on GET and HEAD of "
            "/sparql, /api/, /id/, /data/, /ontology, and POST of queries to /sparql; never "
            "writes, never with credentials): '*' for any, a comma-separated list, or '' "
            "for none."
        ),
    )
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
    review_file: Path | None = Field(
        Path("var/review.jsonl"),
        description=(
            "The review's decisions that change no data (a rejected proposal or link), one "
            "JSON line each (relative to home); unset: kept in memory only."
        ),
    )
    tokens_file: Path | None = Field(
        Path("var/tokens.json"),
        description="Issued tokens, hashes only (relative to home); unset: no issued tokens.",
    )

    workbench_file: Path | None = Field(
        Path("var/workbench.sqlite"),
        description=(
            "The workbench's sessions, proposals awaiting review and uploads (relative to "
            "home); unset: kept in memory, lost at a restart."
        ),
    )
    session_hours: float = Field(
        8.0, gt=0, le=24 * 30, description="Hours a workbench sign-in lasts."
    )
    require_review: bool = Field(
        False,
        description=(
            "Four eyes: an editor's change becomes a proposal that another editor or an "
            "administrator approves or rejects (an administrator's change applies at once)."
        ),
    )

    @field_validator("root")
    @classmethod
    def _root_has_the_content(cls, root: Path) -> Path:
        if not (root / _MARKER).is_file():
            raise ValueError(
                f"{root} holds no {_MARKER}: PLATFORM_GRAPH_ROOT must name a folder with the "
                "project's ontology/, shapes/, queries/ and data/ (a checkout of the "
                "repository, or the share/platform-graph folder a wheel installs)"
            )
        return root

    @property
    def public_base(self) -> str:
        """Where this service is reached, for the links it writes: never a request's Host."""
        configured = self.base_url.strip().rstrip("/")
        if configured:
            return configured
        host = "localhost" if self.host in ("0.0.0.0", "::", "") else self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    @property
    def paths(self) -> Paths:
        extra = tuple(
            p if p.is_absolute() else self.root / p
            for p in (Path(x.strip()) for x in self.extra_platforms.split(",") if x.strip())
        )
        return Paths(self.root, extra)

    def _under_root(self, path: Path) -> Path:
        return path if path.is_absolute() else self.home / path

    @property
    def output_dir(self) -> Path:
        return self._under_root(self.build_dir)

    @property
    def store_dir(self) -> Path | None:
        return None if self.store_path is None else self._under_root(self.store_path)

    @property
    def writer_lock_file(self) -> Path:
        return self._under_root(self.writer_lock_path)

    @property
    def review_path(self) -> Path | None:
        return None if self.review_file is None else self._under_root(self.review_file)

    @property
    def tokens_path(self) -> Path | None:
        return None if self.tokens_file is None else self._under_root(self.tokens_file)

    @property
    def workbench_path(self) -> Path | None:
        return None if self.workbench_file is None else self._under_root(self.workbench_file)

    @property
    def downloads_dir(self) -> Path:
        """Where the whole-dataset downloads are kept, one file per version: beside the
        store (or in the build folder with an in-memory or remote store)."""
        if self.store_dir is not None and not self.store_url:
            return self.store_dir.parent / "downloads"
        return self.output_dir / "downloads"

    @property
    def queries_dir(self) -> Path:
        return self.paths.queries


def settings_environment(settings: Settings) -> dict[str, str]:
    """The settings as PLATFORM_GRAPH_* variables, for processes that read them anew."""
    env: dict[str, str] = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        env[f"PLATFORM_GRAPH_{name.upper()}"] = (
            str(value).lower() if isinstance(value, bool) else str(value)
        )
    return env
