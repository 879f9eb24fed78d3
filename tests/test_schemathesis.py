"""Schema fuzzing: schemathesis against the OpenAPI document of the real server.

Its command line runs a bounded number of generated requests per operation against
the running service (reads, and writes with an editor's token on a server of its own):
none may get a 5xx, and every response must match its documented schema. (Its pytest
plugin does not load under pytest 9, so the test runs the command line.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from platform_graph.write.tokens import hash_token
from tests.support.server import RunningServer, start_server

TOKEN = "pgt_schemathesis-editor-0123456789abcdef"
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    work = tmp_path_factory.mktemp("schemathesis")
    env = {"PLATFORM_GRAPH_TOKENS": f"fuzz:editor:{hash_token(TOKEN)}"}
    running = start_server(work, store=work / "store", env=env)
    yield running
    running.stop()


def test_no_server_errors_and_responses_match_their_schemas(
    fuzzed: RunningServer, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    cli = Path(sys.executable).parent / "schemathesis"
    proc = subprocess.run(
        [
            str(cli),
            "run",
            f"{fuzzed.url}/openapi.json",
            "--checks",
            CHECKS,
            "--max-examples",
            "10",
            "--seed",
            "1880",
            "--generation-deterministic",
            "--request-timeout",
            "30",
            "--header",
            f"Authorization: Bearer {TOKEN}",
            "--exclude-path-regex",
            "^/api/tokens",
            "--report",
            "ndjson",
            "--report-ndjson-path",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    summary = proc.stdout[-4000:]
    assert proc.returncode == 0, summary + proc.stderr[-2000:]
    events = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert events, "schemathesis reported nothing"
