"""The SPARQL JSON results writer writes each term as the dict of the standard would be
written (``_json_term``), without building the dict: exact, whatever the text holds."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from platform_graph.store.results_writer import _json_term, _json_term_text

XSD = "http://www.w3.org/2001/XMLSchema#"
AWKWARD = 'Örebro "kommun"\\ \n\t\x00\x1f \u2028 😀 </script>'


@pytest.mark.parametrize(
    "term",
    [
        ox.NamedNode("https://w3id.org/platform-graph/id/commitment/å?x=1&y=ö"),
        ox.BlankNode("b0"),
        ox.Literal(AWKWARD),
        ox.Literal(AWKWARD, language="sv"),
        ox.Literal("1050", datatype=ox.NamedNode(XSD + "decimal")),
        ox.Literal("PT0S", datatype=ox.NamedNode(XSD + "duration")),
        ox.Literal("", datatype=ox.NamedNode(XSD + "string")),
        ox.Literal(""),
        ox.Triple(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("o", language="en")),
    ],
    ids=repr,
)
def test_a_term_is_written_as_the_standard_says(term: object) -> None:
    text = _json_term_text(term)
    assert json.loads(text) == _json_term(term)
    assert "\\u00d6" not in text  # non-ASCII written as it is, as before
