"""The text guard reads a request as the engine does: fuzzed against the engine itself.

The oracle is pyoxigraph in this process, over an empty store, with every SERVICE and
LOAD aimed at port 1 of the loopback: the engine refuses that port itself ("port 1 is
not allowed"), so an attempt is seen without any connection being made. Whenever the
engine attempts SERVICE or LOAD, the guard must have found it (or refused the text).
The guard is only the first layer: test_sandbox.py shows the engine cannot connect
anywhere even when the guard is bypassed.
"""

from __future__ import annotations

import contextlib

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from platform_graph.rdf.sparql_text import (
    MAX_NESTING,
    MAX_OPERATORS,
    RefusedQuery,
    analyse,
    check_query,
)

MARK = "http://127.0.0.1:1/m"
PROLOGUE = f"PREFIX ex: <{MARK}> PREFIX s: <{MARK}> "

# Pieces that have confused lexers: comment and line ends, quotes, escapes, spaces the
# engine accepts inside IRIs but not between words, IRIs that hold odd characters.
FRAGMENTS = [
    " ",
    "\t",
    "\r",
    "\n",
    "\r\n",
    "#",
    "#x",
    "# c\r",
    "'",
    '"',
    "'''",
    '"""',
    "\\",
    "\\u0027",
    "\\u0022",
    "\\u000A",
    "\\u000D",
    "\\u003E",
    "\u00a0",
    "\u2028",
    "\u3000",
    "\u0085",
    "\ufeff",
    "<",
    ">",
    "<http://a/\u00a0'>",
    '<http://a/\u3000">',
    "<http://a/#>",
    "<http://a/\\u0027>",
    "{",
    "}",
    "(",
    ")",
    ".",
    ";",
    "ex:",
    "ex:a.b.",
    "ex:a\\'b",
    "_:b.",
    "@en.",
    "1.",
    "?x",
    "BIND(",
    " AS ?z)",
    "FILTER(",
    "SERVICE",
    "service",
    "SERVICEex:m",
    "services:m",
    "SERVICE SILENT",
]
NETWORK_WORDS = ["SERVICE", "service", "SeRvIcE", "SERVICE SILENT", "SERVICEex:m", "services:m"]


def _engine_fetches_in_query(text: str) -> bool:
    try:
        result = ox.Store().query(text)
        if not isinstance(result, ox.QueryBoolean):
            list(result)
    except OSError as exc:
        return "port 1 is not allowed" in str(exc)
    except (SyntaxError, ValueError, RuntimeError, TypeError):
        return False
    return False


def _engine_fetches_in_update(text: str) -> bool:
    try:
        ox.Store().update(text)
    except OSError as exc:
        return "port 1 is not allowed" in str(exc)
    except (SyntaxError, ValueError, RuntimeError, TypeError):
        return False
    return False


def _guard_flags(text: str) -> bool:
    try:
        found = analyse(text)
    except RefusedQuery:
        return True
    return found.service or found.load


def _target(word: str) -> str:
    return "" if ":" in word else f"<{MARK}>"


RISKY = ["'", '"', "#", "\\", "\\u0027", "\\u0022", "\\u000A", "\u00a0", "\u2028", "\u3000", "\r"]
RISKY += ["\n", ">", "<", "{", "}", " ", "SERVICE", "x", ":", "."]
inner = st.lists(st.sampled_from(RISKY), max_size=5).map("".join)
_n = st.integers(min_value=0, max_value=99)


def _piece(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["comment", "iri", "string", "raw"]))
    text = draw(inner)
    if kind == "comment":
        return "#" + text + draw(st.sampled_from(["\r", "\n", "\r\n", "\u2028"]))
    if kind == "iri":
        return f"BIND(<http://a/{text}> AS ?v{draw(_n)})"
    if kind == "string":
        quote = draw(st.sampled_from(["'", '"', "'''", '"""']))
        return f"BIND({quote}{text}{quote} AS ?v{draw(_n)})"
    return draw(st.sampled_from(FRAGMENTS))


fragments = st.lists(st.composite(_piece)(), max_size=4).map(" ".join)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=fragments, after=fragments, word=st.sampled_from(NETWORK_WORDS))
def test_whenever_the_engine_runs_service_the_guard_has_found_it(
    before: str, after: str, word: str
) -> None:
    text = (
        f"{PROLOGUE}SELECT * WHERE {{ BIND(1 AS ?a) {before} {word} {_target(word)} "
        f"{{ BIND(2 AS ?b) }} {after} }}"
    )
    if _engine_fetches_in_query(text):
        assert _guard_flags(text), text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=fragments, after=fragments, word=st.sampled_from(["LOAD", "load", "LoAd"]))
def test_whenever_the_engine_runs_load_the_guard_has_found_it(
    before: str, after: str, word: str
) -> None:
    text = f"INSERT DATA {{ <x:a> <x:b> <x:c> }} ; {before} {word} <{MARK}> {after}"
    if _engine_fetches_in_update(text):
        assert _guard_flags(text), text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_the_guard_reads_any_text_without_crashing(text: str) -> None:
    with contextlib.suppress(RefusedQuery):
        analyse(text)


# Each class of bypass found against the lexer this one replaced, and its neighbours.
BYPASSES = [
    # a comment ends at CR as well as LF
    f"SELECT * {{ #x\r SERVICE <{MARK}> {{ ?s ?p ?o }} }}",
    f"SELECT * {{ #x\r\n SERVICE <{MARK}> {{ ?s ?p ?o }} }}",
    # Unicode spaces are IRI characters: a quote after one is not a string
    f"SELECT * {{ BIND(<http://a/\u00a0'> AS ?x) SERVICE <{MARK}> {{ }} #' \n}}",
    f"SELECT * {{ BIND(<http://a/\u2028'> AS ?x) SERVICE <{MARK}> {{ }} #' \n}}",
    f"SELECT * {{ BIND(<http://a/\u3000'> AS ?x) SERVICE <{MARK}> {{ }} #' \n}}",
    f"SELECT * {{ BIND(<http://a/\\u00A0'> AS ?x) SERVICE <{MARK}> {{ }} #' \n}}",
    # the engine needs no space after a keyword
    f"{PROLOGUE}SELECT * {{ BIND(1 AS ?a) SERVICEex:m {{ }} }}",
    f"{PROLOGUE}SELECT * {{ BIND(1 AS ?a) services:m {{ }} }}",
    f"{PROLOGUE}SELECT * {{ BIND(1 AS ?a) SERVICESILENT<{MARK}> {{ }} }}",
    # a prefixed name takes one run of dots: the rest is the engine's next token
    f"{PROLOGUE}SELECT * {{ BIND(1 AS ?a) BIND(ex:a.b.SERVICE <{MARK}> {{ }} }}",
]


@pytest.mark.parametrize("text", BYPASSES)
def test_each_known_bypass_is_found(text: str) -> None:
    assert _guard_flags(text)


def test_the_bypass_corpus_really_makes_the_engine_fetch() -> None:
    """The corpus is not stale: most of it does reach SERVICE in the engine."""
    reaching = [t for t in BYPASSES if _engine_fetches_in_query(t)]
    assert len(reaching) >= 6, reaching


def test_keywords_inside_strings_iris_and_comments_are_not_keywords() -> None:
    text = (
        'SELECT * { BIND("SERVICE <x> {}" AS ?a) BIND(<http://a/SERVICE> AS ?b) '
        "# SERVICE <x> {}\n ?s ?p ?o }"
    )
    assert not _guard_flags(text)
    assert not analyse("SELECT ?service ?load WHERE { ?service ?p ?load }").service
    assert not analyse("SELECT * WHERE { ?s <http://a/download> ?o }").load


def test_unknown_characters_between_words_are_refused() -> None:
    with pytest.raises(RefusedQuery, match="unexpected character"):
        analyse("SELECT\u00a0* WHERE { ?s ?p ?o }")
    with pytest.raises(RefusedQuery, match="backslash"):
        analyse("SELECT * WHERE { \\u0053ERVICE <x> { } }")


def test_nesting_of_every_bracket_is_limited() -> None:
    for opener, closer in (("{", "}"), ("(", ")"), ("[ <p> ", " ]")):
        deep = "SELECT * WHERE { ?s <p> " + opener * (MAX_NESTING + 1) + closer * (MAX_NESTING + 1)
        with pytest.raises(RefusedQuery, match="nested"):
            analyse(deep + " }")


@pytest.mark.parametrize(
    "text",
    [
        "ASK { FILTER(" + "||".join(["true"] * (MAX_OPERATORS + 1)) + ") }",
        "SELECT * { ?s ?p ?o " + " OPTIONAL { ?s ?p ?o }" * (MAX_OPERATORS + 1) + "}",
        "INSERT { <x:a> <x:b> ?v } WHERE { "
        + " ".join(f"BIND(1 AS ?v{i})" for i in range(MAX_OPERATORS + 1))
        + "}",
    ],
)
def test_operator_chains_are_limited(text: str) -> None:
    with pytest.raises(RefusedQuery, match="operators"):
        analyse(text)


def test_from_graphs_are_resolved_as_the_engine_resolves_them() -> None:
    found = analyse(
        "BASE <http://example.org/> PREFIX g: <http://example.org/g/> "
        "SELECT * FROM <a\\u0062> FROM NAMED g:c WHERE { ?s ?p ?o }"
    )
    assert found.from_graphs == ["http://example.org/ab"]
    assert found.from_named_graphs == ["http://example.org/g/c"]
    with pytest.raises(RefusedQuery, match="space after FROM"):
        analyse("PREFIX ex: <http://x/> SELECT * FROMex:g WHERE { ?s ?p ?o }")
    with pytest.raises(RefusedQuery, match="not in this store"):
        check_query("SELECT * FROM <http://x/other> { ?s ?p ?o }", graphs=["http://x/g"])


def test_destructive_operations_are_found_at_the_start_of_an_operation() -> None:
    assert analyse("DROP ALL").destructive == {"DROP"}
    assert analyse("INSERT DATA { <x:a> <x:b> <x:c> } ; CLEARDEFAULT").destructive == {"CLEAR"}
    assert analyse("PREFIX ex: <http://x/> MOVE DEFAULT TO ex:g").destructive == {"MOVE"}
    assert analyse("COPY <x:a> TO <x:b>").destructive == {"COPY"}
    assert not analyse("INSERT DATA { <x:drop> <x:clear> 'MOVE' }").destructive


def test_nested_calls_of_functions_that_grow_text_are_limited() -> None:
    nine = "SELECT (" + "REPLACE(" * 9 + '"a"' + ', "a", "aaaaaaaaaa")' * 9 + " AS ?x) {}"
    with pytest.raises(RefusedQuery, match="nested calls"):
        analyse(nine)
    four = "SELECT (" + "REPLACE(" * 4 + '"a"' + ', "a", "aa")' * 4 + " AS ?x) {}"
    assert analyse(four).form == "SELECT"
    # Other brackets in between do not hide the nesting.
    hidden = "SELECT (" + "CONCAT((STR(" * 5 + "?a" + ")), ?a)" * 5 + " AS ?x) WHERE { ?a ?p ?o }"
    with pytest.raises(RefusedQuery, match="nested calls"):
        analyse(hidden)
