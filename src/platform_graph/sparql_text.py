"""Look at SPARQL text before anything executes it, and bind parameters into it safely.

pyoxigraph makes HTTP requests for ``SERVICE`` and ``LOAD`` and cannot be told not to;
a public endpoint must refuse them (and ``FROM`` IRIs that are not graphs in the store)
before the engine sees the query. A small lexer is enough for that: it skips strings,
comments and IRIs, so that a keyword inside a literal or an IRI is never mistaken for
one in the query.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin

from rdflib import BNode, Literal, URIRef

Term = URIRef | BNode | Literal

__all__ = [
    "Analysis",
    "RefusedQuery",
    "Token",
    "analyse",
    "bind_values",
    "check_query",
    "tokens",
]

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\s]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
  | (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*)?:
              (?:(?:[\w\-:%\u00B7\u00C0-\uFFFF]|\\[_~.\-!$&'()*+,;=/?\#@%])
                 (?:(?:[\w\-:%\u00B7\u00C0-\uFFFF]|\\[_~.\-!$&'()*+,;=/?\#@%]|\.)*
                    (?:[\w\-:%\u00B7\u00C0-\uFFFF]|\\[_~.\-!$&'()*+,;=/?\#@%]))?)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

_UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)
_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


class RefusedQuery(ValueError):
    """A request the endpoint will not run, with the reason in plain words."""


@dataclass(slots=True)
class Analysis:
    form: str | None = None
    """SELECT, ASK, CONSTRUCT, DESCRIBE, or UPDATE."""
    from_graphs: list[str] = field(default_factory=list)
    from_named_graphs: list[str] = field(default_factory=list)
    service: bool = False
    load: bool = False

    @property
    def result_kind(self) -> str:
        return "graph" if self.form in ("CONSTRUCT", "DESCRIBE") else "solutions"


@dataclass(slots=True)
class Token:
    kind: str
    text: str
    start: int


def tokens(text: str) -> Iterator[Token]:
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        if kind in ("ws", "comment"):
            continue
        yield Token(kind, m.group(), m.start())


def bind_values(text: str, bindings: Mapping[str, Term]) -> str:
    """Bind variables by a VALUES block at the start of the query's WHERE group.

    The terms are serialised by rdflib (IRIs and literals escaped as N-Triples), so no
    request value is ever pasted into the query as text. A block inside the WHERE
    group (not a trailing VALUES, which SPARQL joins only after grouping) restricts
    the pattern itself, aggregates and FILTER EXISTS included.
    """
    if not bindings:
        return text
    names = sorted(bindings)
    for name in names:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ValueError(f"not a variable name: {name!r}")
    try:
        row = " ".join(bindings[n].n3() for n in names)
    except Exception as exc:  # rdflib refuses to serialise an IRI with <, >, " or space
        raise ValueError(f"cannot bind a value that is not a valid RDF term: {exc}") from exc
    block = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({row}) }} "
    where = _where_brace(text)
    return text[: where + 1] + block + text[where + 1 :]


def _where_brace(text: str) -> int:
    """Offset of the ``{`` that opens the query's WHERE group."""
    toks = list(tokens(text))
    depth = 0
    seen_form = False
    for i, tok in enumerate(toks):
        word = tok.text.upper() if tok.kind == "word" else ""
        if word in _FORMS:
            seen_form = True
        if tok.text == "{":
            if depth == 0 and seen_form:
                before = toks[i - 1].text.upper() if i else ""
                # CONSTRUCT { template } WHERE { ... }: skip the template.
                is_template = tokens_form(toks) == "CONSTRUCT" and before != "WHERE"
                if not is_template:
                    return tok.start
            depth += 1
        elif tok.text == "}":
            depth -= 1
    raise ValueError("the query has no WHERE group to bind values in")


def tokens_form(tokens: list[Token]) -> str | None:
    for tok in tokens:
        if tok.kind == "word" and tok.text.upper() in _FORMS:
            return tok.text.upper()
    return None


MAX_NESTING = 200
"""Deepest nesting of braces and parentheses accepted: the engine's parser recurses."""

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def unescape_codepoints(text: str) -> str:
    """SPARQL's \\uXXXX and \\UXXXXXXXX escapes, which the engine expands before parsing.

    They may stand anywhere, even for a quote that ends a string, so the text must be
    read as the engine will read it.
    """

    def expand(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise RefusedQuery(f"invalid code point escape {m.group(0)!r}")
        return chr(code)

    return _CODEPOINT.sub(expand, text)


def analyse(text: str) -> Analysis:
    """Find the query form, the FROM graphs, and any SERVICE or LOAD.

    Refuses what it cannot read with certainty: a backslash outside a string or an
    escape of a prefixed name, and nesting deeper than MAX_NESTING.
    """
    out = Analysis()
    prefixes: dict[str, str] = {}
    base = ""
    toks = list(tokens(unescape_codepoints(text)))
    depth = 0
    for tok in toks:
        if tok.kind == "other":
            if tok.text == "\\":
                raise RefusedQuery(
                    f"unexpected backslash at offset {tok.start}: outside a string it is "
                    "only allowed to escape a character of a prefixed name"
                )
            if tok.text in "{(":
                depth += 1
                if depth > MAX_NESTING:
                    raise RefusedQuery(f"the request is nested more than {MAX_NESTING} levels deep")
            elif tok.text in "})":
                depth -= 1
    i = 0
    while i < len(toks):
        tok = toks[i]
        word = tok.text.upper() if tok.kind in ("word", "pname") else ""
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if word == "PREFIX" and nxt is not None and i + 2 < len(toks):
            if toks[i + 2].kind == "iri":
                prefixes[nxt.text.rstrip(":")] = urljoin(base, toks[i + 2].text[1:-1])
            i += 3
            continue
        if word == "BASE" and nxt is not None and nxt.kind == "iri":
            base = urljoin(base, nxt.text[1:-1])
            i += 2
            continue
        if tok.kind == "word":
            if out.form is None and word in _FORMS:
                out.form = word
            elif out.form is None and word in _UPDATE_WORDS:
                out.form = "UPDATE"
            if word == "SERVICE":
                out.service = True
            elif word == "LOAD":
                out.load = True
            elif word == "FROM" and nxt is not None:
                named = nxt.kind == "word" and nxt.text.upper() == "NAMED"
                target = toks[i + 2] if named and i + 2 < len(toks) else nxt
                iri = _resolve(target, prefixes, base)
                if iri is not None:
                    (out.from_named_graphs if named else out.from_graphs).append(iri)
        i += 1
    return out


def _resolve(tok: Token, prefixes: dict[str, str], base: str) -> str | None:
    if tok.kind == "iri":
        return urljoin(base, tok.text[1:-1])
    if tok.kind == "pname":
        prefix, _, local = tok.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local
    return None


def check_query(
    text: str,
    *,
    graphs: Collection[str],
    allow_service: bool = False,
    allow_remote_from: bool = False,
) -> Analysis:
    """Refuse what a read-only public endpoint must not run; return the analysis."""
    a = analyse(text)
    if a.form == "UPDATE" or a.load:
        raise RefusedQuery(
            "this endpoint is read-only: updates (including LOAD) go to /update with a token"
        )
    if a.service and not allow_service:
        raise RefusedQuery(
            "SERVICE is refused: federated queries would make this server fetch from other "
            "servers; an operator can allow them with PLATFORM_GRAPH_ALLOW_SERVICE=true"
        )
    if not allow_remote_from:
        unknown = [g for g in (*a.from_graphs, *a.from_named_graphs) if g not in graphs]
        if unknown:
            raise RefusedQuery(
                f"FROM graph(s) not in this store: {', '.join(unknown)}; "
                "remote graphs are not fetched (the graphs here are listed at /sparql)"
            )
    return a
