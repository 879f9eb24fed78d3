"""Run a throwaway Virtuoso (Debian's ``virtuoso-opensource``) on loopback.

For the test suite's Virtuoso-backed run, the benchmarks and trying the remote store
backend by hand: its own database folder and ini file, free ports, the ``dba`` account
and a clean stop. Not for production: a municipality runs its own server
(docs/deployment.md).
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

__all__ = ["VirtuosoServer", "VirtuosoUnavailable", "free_port"]

log = logging.getLogger(__name__)

INI = """[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = {sql_port}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 32
CheckpointInterval = 60
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
CheckpointAuditTrail = 0
AllowOSCalls = 0
SchedulerInterval = 10
DirsAllowed = ., {db}
ThreadCleanupInterval = 0
ThreadThreshold = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize = 100000
SingleCPU = 0
PrefixResultNames = 0
RdfFreeTextRulesSize = 100
IndexTreeMaps = 64
MaxMemPoolSize = 200000000
MaxQueryMem = 2G
VectorSize = 1000
MaxVectorSize = 1000000
AdjustVectorSize = 0
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 10
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}

[HTTPServer]
ServerPort = {http_port}
ServerRoot = {db}/vsp
MaxClientConnections = 32
DavRoot = DAV
EnabledDavVSP = 0
HTTPProxyEnabled = 0
TempASPXDir = 0
ServerThreads = 32
MaxKeepAlives = 32
KeepAliveTimeout = 10
HTTPThreadSize = 280000
HttpPrintWarningsInOutput = 0
Charset = UTF-8
EnabledGzipContent = 0

[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0

[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = {timeout}
DeferInferenceRulesInit = 0
"""


class VirtuosoUnavailable(Exception):
    """Virtuoso is not installed here, or would not start (the message says which)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass(slots=True)
class VirtuosoServer:
    """One Virtuoso process with its own folder. ``with VirtuosoServer(dir) as v: ...``.

    ``buffers`` are 8 KiB pages of cache (20,000: about 160 MiB, enough for tests);
    ``timeout`` is Virtuoso's own MaxQueryExecutionTime in seconds (0: none);
    ``federation`` lets its anonymous SPARQL user run SERVICE; ``poll_seconds`` is how
    often ``start`` asks whether it answers yet. ``stop(keep=True)`` and then
    ``start(fresh=False)`` restart it on the same database (a cold start, as the
    benchmarks measure after a bulk load).
    """

    workdir: Path
    buffers: int = 20_000
    timeout: int = 0
    http_port: int = 0
    sql_port: int = 0
    password: str = "dba"
    federation: bool = True
    poll_seconds: float = 0.1
    process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def binaries() -> tuple[str, str]:
        server = shutil.which("virtuoso-t")
        isql = shutil.which("isql-vt") or shutil.which("isql")
        if server is None or isql is None:
            raise VirtuosoUnavailable(
                "virtuoso-opensource is not installed (apt-get install virtuoso-opensource)"
            )
        return server, isql

    @property
    def db(self) -> Path:
        return self.workdir / "virtuoso"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def sparql_url(self) -> str:
        """The public, read-only endpoint."""
        return f"{self.url}/sparql"

    @property
    def update_url(self) -> str:
        """The endpoint that runs updates, behind HTTP digest authentication."""
        return f"{self.url}/sparql-auth"

    @property
    def graph_store_url(self) -> str:
        """The Graph Store Protocol, behind HTTP digest authentication."""
        return f"{self.url}/sparql-graph-crud-auth"

    def start(self, deadline_seconds: float = 120, *, fresh: bool = True) -> VirtuosoServer:
        """Start on a new, empty database (the folder wiped first); with ``fresh=False``,
        on the database a ``stop(keep=True)`` left in the folder, on the same ports."""
        server, _ = self.binaries()
        if fresh:
            shutil.rmtree(self.db, ignore_errors=True)
        (self.db / "vsp").mkdir(parents=True, exist_ok=not fresh)
        self.http_port = self.http_port or free_port()
        self.sql_port = self.sql_port or free_port()
        (self.db / "virtuoso.ini").write_text(
            INI.format(
                db=self.db,
                sql_port=self.sql_port,
                http_port=self.http_port,
                buffers=self.buffers,
                dirty=self.buffers * 3 // 4,
                timeout=self.timeout,
            )
        )
        self.process = subprocess.Popen(
            [server, "+foreground", "+configfile", str(self.db / "virtuoso.ini")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=self.db,
        )
        if not self._wait_ready(time.monotonic() + deadline_seconds):
            tail = self.log_tail()
            self.stop()
            raise VirtuosoUnavailable(f"Virtuoso did not start: {tail}")
        if self.federation and fresh:
            # Virtuoso's anonymous SPARQL user may not run SERVICE until granted; the
            # service itself still refuses SERVICE unless its operator allows it.
            self.isql(
                'GRANT SELECT ON DB.DBA.SPARQL_SINV_2 TO "SPARQL"; '
                'GRANT EXECUTE ON DB.DBA.SPARQL_SINV_IMP TO "SPARQL";'
            )
        return self

    def _wait_ready(self, deadline: float) -> bool:
        query = urllib.parse.urlencode({"query": "ASK {}"})
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.sparql_url}?{query}", timeout=5) as r:
                    r.read()
                return True
            except (urllib.error.URLError, OSError):
                time.sleep(self.poll_seconds)
        return False

    def isql(self, sql: str, timeout: float = 600) -> str:
        """Run SQL as ``dba`` through isql; raise with Virtuoso's message if it fails."""
        _, isql = self.binaries()
        done = subprocess.run(
            [isql, f"127.0.0.1:{self.sql_port}", "dba", self.password, f"exec={sql}"],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0 or "*** Error" in done.stdout:
            raise VirtuosoUnavailable(f"isql failed: {(done.stdout + done.stderr)[-500:]}")
        return done.stdout

    def log_tail(self) -> str:
        log_file = self.db / "virtuoso.log"
        return log_file.read_text(errors="replace")[-1000:] if log_file.exists() else "(no log)"

    def stop(self, *, keep: bool = False) -> None:
        """Shut down cleanly (a checkpoint), or kill after a while; remove the folder,
        unless ``keep`` (to ``start(fresh=False)`` on the same database again)."""
        if self.process is not None and self.process.poll() is None:
            try:
                self.isql("shutdown;", timeout=20)
                self.process.wait(timeout=20)
            except (VirtuosoUnavailable, subprocess.TimeoutExpired, OSError):
                self.process.kill()
                self.process.wait(timeout=30)
        self.process = None
        if not keep:
            shutil.rmtree(self.db, ignore_errors=True)

    def __enter__(self) -> VirtuosoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
