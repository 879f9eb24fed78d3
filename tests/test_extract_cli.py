"""`platform-graph extract` on the command line: what it refuses (exit 2, nothing
written), its JSON, and the draft it writes, which builds and validates as it is and
never overwrites curated work without --force."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from platform_graph.build.graph import build
from platform_graph.cli import main
from platform_graph.config import Paths
from platform_graph.validation.shacl import load_shapes, validate

ROOT = Path(__file__).resolve().parents[1]
EKHOLM = ROOT / "data" / "dev" / "ekholm-s-2026-2030"

SWEDISH = (
    "Plattform för Provkommun 2026–2030\n\nSkola\nVi vill anställa fler lärare i Provkommun. "
    "Skolan ska ha en ny idrottshall senast 2028. Barn behöver trygga vuxna.\n"
)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["extract", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \n\n \t\n", "empty"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00\x00" + bytes(range(256)) * 4, "binary"),
        ("Vi vill att äldre ska få stöd i Örebro kommun.".encode("cp1252"), "cp1252"),
        ("Vi vill att äldre ska få stöd.".encode("latin-1"), "Latin-1"),
        (
            b"We will build more houses and the council is to review the budget of the town.",
            "Swedish",
        ),
    ],
    ids=["empty", "blank", "binary", "cp1252", "latin-1", "english"],
)
def test_bad_input_is_refused_with_exit_2_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    source = tmp_path / "in.txt"
    source.write_bytes(content)
    out = tmp_path / "draft"
    code, stdout, err = _run(capsys, str(source), "--out", str(out), "--platform", "prov-2026-2030")
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert stdout == ""
    assert not out.exists()


def test_a_file_past_the_size_limit_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "big.txt"
    source.write_text(SWEDISH * 50, encoding="utf-8")
    code, _, err = _run(capsys, str(source), "--max-bytes", "1024", "--json")
    assert code == 2
    assert "past the limit of 1,024 bytes" in err


def test_a_missing_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, str(tmp_path / "nowhere.txt"))
    assert code == 2
    assert "nowhere.txt" in err


def test_json_on_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.txt"
    source.write_text(SWEDISH, encoding="utf-8")
    code, out, _ = _run(capsys, str(source), "--json")
    assert code == 0
    doc = json.loads(out)
    labels = [(u["label"], u["strength"]) for u in doc["units"]]
    assert labels == [
        ("heading", None),
        ("heading", None),
        ("commitment", "intent"),
        ("commitment", "binding"),
        ("context", None),
    ]
    assert doc["units"][3]["deadline"] == "2028"
    assert doc["term"] == {"start": 2026, "end": 2030}
    text = source.read_text(encoding="utf-8")
    assert all(u["text"] == text[u["start"] : u["end"]] for u in doc["units"])


def _ids(doc: dict[str, object]) -> set[str | None]:
    units = doc["units"]
    assert isinstance(units, list)
    return {x["id"] for u in units for key in ("actors", "areas") for x in u[key]}


def test_the_municipality_is_the_texts_not_orebros(capsys: pytest.CaptureFixture[str]) -> None:
    """A text that says no "X kommun" is the place its title names ("Socialdemokraterna i
    Ekholm"), and Örebro's own bodies and places are not linked to it."""
    code, out, err = _run(capsys, str(EKHOLM / "source.txt"), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["municipality"] == "Ekholms kommun"
    assert not _ids(doc) & {"orebro-kommun", "kommunstyrelsen", "vivalla", "orebro"}


def test_a_text_naming_no_place_links_no_municipalitys_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.txt"
    source.write_text(
        "Skola\nKommunen ska bygga en ny skola senast 2028. Vi vill anställa fler lärare.\n",
        encoding="utf-8",
    )
    code, out, err = _run(capsys, str(source), "--json")
    assert code == 0
    assert "names no municipality" in err
    doc = json.loads(out)
    assert doc["municipality"] is None
    assert "orebro-kommun" not in _ids(doc)
    assert doc["units"][1]["strength"] == "binding"


def test_the_draft_builds_and_validates_as_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    draft = tmp_path / "ekholm-draft"
    code, _, err = _run(
        capsys,
        str(EKHOLM / "source.txt"),
        "--out",
        str(draft),
        "--platform",
        "ekholm-draft-2026-2030",
    )
    assert code == 0, err
    assert {p.name for p in draft.iterdir()} == {
        "platform.yaml",
        "source.txt",
        "sections.yaml",
        "actors.yaml",
        "areas.yaml",
        "curation",
    }
    result = build(Paths(ROOT, (draft,)))
    p = result.platform("ekholm-draft-2026-2030")
    assert p.curation.statements
    assert all(st.status == "proposed" for st in p.curation.statements)
    # Proposed: built apart, not in the public graph.
    public = {str(s) for s in result.union().subjects()}
    assert not any(
        "ekholm-draft-2026-2030--" in s and ("/commitment/" in s or "/context/" in s)
        for s in public
    )
    assert len(result.proposals()) > 0
    checked = result.union()
    for triple in result.proposals():
        checked.add(triple)
    report = validate(checked, load_shapes(Paths(ROOT).shapes))
    assert report.conforms, report.to_text()


def test_a_draft_never_overwrites_curated_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    curated = tmp_path / "ekholm"
    shutil.copytree(EKHOLM, curated)
    before = {p: p.read_bytes() for p in curated.rglob("*") if p.is_file()}
    code, _, err = _run(
        capsys,
        str(EKHOLM / "source.txt"),
        "--out",
        str(curated),
        "--platform",
        "ekholm-s-2026-2030",
    )
    assert code == 2
    assert "curated work" in err
    assert "--force" in err
    assert {p: p.read_bytes() for p in curated.rglob("*") if p.is_file()} == before
    code, _, err = _run(
        capsys,
        str(EKHOLM / "source.txt"),
        "--out",
        str(curated),
        "--platform",
        "ekholm-s-2026-2030",
        "--force",
    )
    assert code == 0, err
    assert "status: proposed" in next((curated / "curation").glob("*.yaml")).read_text(
        encoding="utf-8"
    )


def test_a_draft_over_an_earlier_draft_is_fine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    draft = tmp_path / "d"
    args = (str(EKHOLM / "source.txt"), "--out", str(draft), "--platform", "d-2026-2030")
    assert _run(capsys, *args)[0] == 0
    assert _run(capsys, *args)[0] == 0  # all its statements are still proposed


def test_a_text_without_parties_needs_them_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.txt"
    source.write_text(SWEDISH, encoding="utf-8")
    draft = tmp_path / "d"
    code, _, err = _run(capsys, str(source), "--out", str(draft), "--platform", "prov-2026-2030")
    assert code == 2
    assert "--party" in err
    assert not draft.exists()
    code, _, err = _run(
        capsys,
        str(source),
        "--out",
        str(draft),
        "--platform",
        "prov-2026-2030",
        "--party",
        "centerpartiet",
    )
    assert code == 0, err
    build(Paths(ROOT, (draft,)))
