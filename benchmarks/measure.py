"""Small measuring tools: statistics, process memory, ports, a lean HTTP client."""

from __future__ import annotations

import http.client
import math
import os
import platform
import socket
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = [
    "HttpClient",
    "HttpError",
    "free_port",
    "machine",
    "median",
    "p95",
    "quiesce",
    "rss_kb",
    "rss_tree_kb",
    "wait_until",
]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def p95(values: Sequence[float]) -> float:
    """The 95th percentile, nearest rank (the largest value for fewer than 20)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def rss_kb(pid: int) -> int:
    """Resident memory of one process, in KiB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return 0
    return 0


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            out += [int(c) for c in text]
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return out


def rss_tree_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, in KiB."""
    total, frontier, seen = 0, [pid], set()
    while frontier:
        p = frontier.pop()
        if p in seen:
            continue
        seen.add(p)
        total += rss_kb(p)
        frontier += _children(p)
    return total


def cpu_seconds_tree(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    total, frontier, seen = 0.0, [pid], set()
    while frontier:
        p = frontier.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (FileNotFoundError, ProcessLookupError, PermissionError, IndexError):
            pass
        frontier += _children(p)
    return total


def quiesce(pid: int, max_wait: float, interval: float = 0.5, busy: float = 0.1) -> float:
    """Wait until a process tree is idle (under ``busy`` of a core); the seconds waited.

    After a client gives up on a request, a server may still be working on it; the next
    measurement would share the CPU with it.
    """
    started = time.monotonic()
    last = cpu_seconds_tree(pid)
    while time.monotonic() - started < max_wait:
        time.sleep(interval)
        now = cpu_seconds_tree(pid)
        if now - last < busy * interval:
            break
        last = now
    return time.monotonic() - started


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return False


class HttpError(Exception):
    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"HTTP {status}: {body[:300].decode('utf-8', 'replace')}")
        self.status = status


class HttpClient:
    """One keep-alive connection (http.client: less client overhead than a full client)."""

    def __init__(self, port: int, timeout: float) -> None:
        self.port = port
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def request(
        self,
        method: str,
        target: str,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> bytes:
        """The body of a 2xx answer; HttpError otherwise; TimeoutError past the timeout."""
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=self.timeout
                )
            try:
                self._conn.request(method, target, body=body, headers=headers or {})
                response = self._conn.getresponse()
                data = response.read()
            except TimeoutError:
                self.close()
                raise
            except (ConnectionError, http.client.HTTPException, OSError):
                self.close()
                if attempt == 2:
                    raise
                continue
            if response.getheader("connection", "").lower() == "close":
                self.close()
            if not 200 <= response.status < 300:
                raise HttpError(response.status, data)
            return data
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine(extra: dict[str, str] | None = None) -> dict[str, Any]:
    """The machine and software a run measured on."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except FileNotFoundError:
        pass
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except FileNotFoundError:
        pass
    try:
        kernel = subprocess.run(["uname", "-sr"], capture_output=True, text=True).stdout.strip()
    except OSError:
        kernel = platform.platform()
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count() or 0,
        "cpu": cpu,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": kernel,
        "python": platform.python_version(),
        "pyoxigraph": _version("pyoxigraph"),
        "rdflib": _version("rdflib"),
        "pyshacl": _version("pyshacl"),
        "rdflib-endpoint": _version("rdflib-endpoint"),
        "fastapi": _version("fastapi"),
        "uvicorn": _version("uvicorn"),
        **(extra or {}),
    }
