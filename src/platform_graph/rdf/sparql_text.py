"""Look at SPARQL text before anything executes it, and bind parameters into it safely.

This is the first layer of the endpoint's defence, not the last: the engine runs every
untrusted query and update in a sandboxed worker that cannot open a network connection
(``store/sandbox.py``), whatever this module concludes. Here a request that would make
the engine fetch something (``SERVICE``, ``LOAD``), name graphs that are not in the
store, or recurse deeper than the engine's stack allows, is refused with a clear reason
before it reaches a worker.

A defence that reads a request differently from the engine is no defence, so the lexer
follows the grammar of pyoxigraph 0.5's SPARQL parser (spargebra), not a looser idea
of SPARQL: whitespace is only space, tab, CR and LF; a comment ends at CR or LF; an IRI
is anything between ``<`` and ``>`` but the characters an IRI may not hold (so it may
hold a no-break or ideographic space); ``\\u`` escapes count only inside strings and
IRIs, as the engine reads them; a prefixed name's local part takes at most one run of
dots, as the engine's does. The engine's keywords need no space after them
(``SERVICEex:x`` is ``SERVICE ex:x`` to it), so a name that begins with ``SERVICE`` or
``LOAD`` counts as the keyword. Anything the lexer cannot read is refused: the engine
would refuse it too. ``tests/test_sparql_text.py`` fuzzes this reading against the
engine's own parser.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import urljoin

from rdflib import BNode, Literal, URIRef

Term = URIRef | BNode | Literal

__all__ = [
    "MAX_GROWING_NESTING",
    "MAX_NESTING",
    "MAX_OPERATORS",
    "Analysis",
    "RefusedQuery",
    "Token",
    "analyse",
    "bind_values",
    "check_query",
    "tokens",
]

# The character classes of the grammar (SPARQL 1.1 §19.8, as spargebra writes them).
_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_U = _BASE + "_"
_CHARS = _U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_HEX = "[0-9A-Fa-f]"
_UCHAR = rf"\\u{_HEX}{{4}}|\\U{_HEX}{{8}}"
_ECHAR = r"""\\[tbnrf"'\\]"""
_PLX = rf"%{_HEX}{_HEX}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = rf"[{_BASE}][{_CHARS}]*+(?:\.++[{_CHARS}]++)*+"
# spargebra: one optional run of dots, then more name characters (the grammar allows
# any number); "ex:a.b.c" is "ex:a.b" followed by ".c" to the engine, and so here.
_PN_LOCAL = rf"(?>[{_U}:0-9]|{_PLX})(?>[{_CHARS}:]|{_PLX})*+(?:\.++(?>[{_CHARS}:]|{_PLX})++)?+"
_VARNAME = rf"[{_U}0-9][{_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*+"
_EXPONENT = r"[eE][+-]?[0-9]++"

_TOKEN = re.compile(
    rf"""
    (?P<ws>[\x20\t\r\n]++)
  | (?P<comment>\#[^\r\n]*+)
  | (?P<string>'''(?>(?>''|')?(?>[^'\\]|{_ECHAR}|{_UCHAR}))*+'''
              |\"\"\"(?>(?>""|")?(?>[^"\\]|{_ECHAR}|{_UCHAR}))*+\"\"\"
              |'(?>[^'\\\n\r]|{_ECHAR}|{_UCHAR})*+'
              |"(?>[^"\\\n\r]|{_ECHAR}|{_UCHAR})*+")
  | (?P<iri><(?>[^<>"{{}}|^`\\\x00-\x20]|{_UCHAR})*+>)
  | (?P<var>[?$]{_VARNAME})
  | (?P<bnode>_:[{_U}0-9][{_CHARS}]*+(?:\.++[{_CHARS}]++)*+)
  | (?P<pname>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)
  | (?P<langtag>@[a-zA-Z]++(?:-[a-zA-Z0-9]++)*+)
  | (?P<number>[0-9]++\.[0-9]*+{_EXPONENT}|\.[0-9]++{_EXPONENT}|[0-9]++{_EXPONENT}
              |[0-9]*+\.[0-9]++|[0-9]++)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*+)
  | (?P<other>\^\^|&&|\|\||!=|<=|>=|<<|>>|[{{}}()\[\];,.=<>!+\-*/^|?])
  | (?P<unknown>.)
    """,
    re.VERBOSE | re.DOTALL,
)

# What an attacker could hide, and what decides a request's kind.
_NETWORK = ("SERVICE", "LOAD")
_UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)
DESTRUCTIVE = frozenset({"DROP", "CLEAR", "MOVE", "COPY"})
"""Update operations that empty or overwrite whole graphs."""
_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")

MAX_NESTING = 200
"""Deepest nesting of ``{``, ``(`` and ``[`` accepted: the engine's parser and evaluator
recurse, and nested groups crash it from about 3,000 levels (``FILTER EXISTS`` from
1,000)."""

MAX_OPERATORS = 1000
"""Most operators (``||``, ``+``, ``/``, ``OPTIONAL``, ``BIND``, ``UNION`` …) in one
request: each nests the expression or the algebra one level deeper, and 3,000 ``BIND``
or 10,000 ``||`` crash the engine."""

MAX_GROWING_NESTING = 4
"""Most nested calls of the functions that multiply a text's length (``REPLACE``,
``CONCAT``, ``ENCODE_FOR_URI``): nine nested ``REPLACE`` calls (312 bytes) asked for gigabytes.
The embedded engine's workers are capped in memory whatever the text, but a remote
server (Virtuoso 7.2 crashed on them) may not be."""

_GROWING = frozenset({"REPLACE", "CONCAT", "ENCODE_FOR_URI"})

_OPERATOR_WORDS = frozenset(
    {"OPTIONAL", "MINUS", "BIND", "FILTER", "UNION", "GRAPH", "SERVICE", "VALUES", "EXISTS"}
    | {"LATERAL", "IN", "NOT"}
)
_OPERATOR_SIGNS = frozenset(
    {"||", "&&", "=", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "!", "|", "^"}
)


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
    load_silent_only: bool = True
    """Every LOAD is LOAD SILENT: the engine, which cannot fetch, then changes nothing."""
    destructive: set[str] = field(default_factory=set)
    """DROP, CLEAR, MOVE or COPY operations the request holds (an update)."""

    @property
    def result_kind(self) -> str:
        return "graph" if self.form in ("CONSTRUCT", "DESCRIBE") else "solutions"


@dataclass(slots=True)
class Token:
    kind: str
    text: str
    start: int


def tokens(text: str) -> Iterator[Token]:
    """The tokens of ``text`` as the engine reads them, whitespace and comments left out.

    A character no token can start with comes as kind ``unknown``.
    """
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "unknown"
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


_CODEPOINT = re.compile(rf"\\u({_HEX}{{4}})|\\U({_HEX}{{8}})")


def unescape_iri(text: str) -> str:
    """An IRI token's value: the engine expands ``\\u`` escapes inside IRIs."""

    def expand(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise RefusedQuery(f"invalid code point escape {m.group(0)!r}")
        return chr(code)

    return _CODEPOINT.sub(expand, text[1:-1])


def _keyword(tok: Token, names: Collection[str]) -> str | None:
    """The keyword of ``names`` the engine may read at this token, if any.

    spargebra matches a keyword without looking at what follows it, so a word or a
    prefixed name that begins with one ("SERVICEex:x", "services:x" with a prefix s:)
    can be read as the keyword followed by a name.
    """
    if tok.kind not in ("word", "pname"):
        return None
    upper = tok.text.upper()
    for name in names:
        if upper.startswith(name):
            return name
    return None


def _refuse_unreadable(tok: Token) -> None:
    shown = tok.text.encode("unicode_escape").decode("ascii")
    if tok.text == "\\":
        raise RefusedQuery(
            f"unexpected backslash at offset {tok.start}: outside a string or an IRI it is "
            "only allowed to escape a character of a prefixed name"
        )
    raise RefusedQuery(
        f"unexpected character {shown!r} at offset {tok.start}: SPARQL allows only spaces, "
        "tabs and line breaks between its words (other characters belong in strings or IRIs)"
    )


def analyse(text: str) -> Analysis:
    """Find the request's form, FROM graphs, SERVICE, LOAD and destructive operations.

    Refuses what it cannot read with certainty (a character that starts no token), and
    requests nested deeper than MAX_NESTING or holding more than MAX_OPERATORS
    operators.
    """
    out = Analysis()
    prefixes: dict[str, str] = {}
    base = ""
    toks = list(tokens(text))
    depth = 0
    operators = 0
    # The brackets open, each marked when it is the call of a function that grows text.
    growing: list[bool] = []
    for i, tok in enumerate(toks):
        if tok.kind == "unknown":
            _refuse_unreadable(tok)
        if tok.kind == "other":
            if tok.text in "{([":
                depth += 1
                if depth > MAX_NESTING:
                    raise RefusedQuery(f"the request is nested more than {MAX_NESTING} levels deep")
                before = toks[i - 1] if i else None
                grows = (
                    tok.text == "("
                    and before is not None
                    and before.kind == "word"
                    and before.text.upper() in _GROWING
                )
                growing.append(grows)
                if grows and sum(growing) > MAX_GROWING_NESTING:
                    raise RefusedQuery(
                        f"more than {MAX_GROWING_NESTING} nested calls of "
                        f"{', '.join(sorted(_GROWING))}: each can multiply the length of a "
                        "text, and nested they make a text too large to hold"
                    )
            elif tok.text in "})]":
                depth -= 1
                if growing:
                    growing.pop()
            elif tok.text in _OPERATOR_SIGNS:
                operators += 1
        elif tok.kind == "word" and tok.text.upper() in _OPERATOR_WORDS:
            operators += 1
        if operators > MAX_OPERATORS:
            raise RefusedQuery(
                f"the request holds more than {MAX_OPERATORS} operators: too complex to run"
            )
    operation_start = True
    depth = 0
    i = 0
    while i < len(toks):
        tok = toks[i]
        word = tok.text.upper() if tok.kind in ("word", "pname") else ""
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if word == "PREFIX" and nxt is not None and i + 2 < len(toks):
            if toks[i + 2].kind == "iri":
                prefixes[nxt.text.rstrip(":")] = urljoin(base, unescape_iri(toks[i + 2].text))
            i += 3
            continue
        if word == "BASE" and nxt is not None and nxt.kind == "iri":
            base = urljoin(base, unescape_iri(nxt.text))
            i += 2
            continue
        network = _keyword(tok, _NETWORK)
        if network == "SERVICE":
            out.service = True
        elif network == "LOAD":
            out.load = True
            silent = (
                tok.kind == "word"
                and tok.text.upper() == "LOAD"
                and nxt is not None
                and nxt.kind == "word"
                and nxt.text.upper() == "SILENT"
            )
            out.load_silent_only = out.load_silent_only and silent
        if depth == 0 and operation_start:
            destructive = _keyword(tok, DESTRUCTIVE)
            if destructive is not None:
                out.destructive.add(destructive)
        if tok.kind == "word":
            if out.form is None and word in _FORMS:
                out.form = word
            elif out.form is None and word in _UPDATE_WORDS:
                out.form = "UPDATE"
        if word.startswith("FROM") and word != "FROM":
            raise RefusedQuery(
                f"{tok.text!r} at offset {tok.start}: write a space after FROM (the engine "
                "reads a name glued to FROM as a FROM clause)"
            )
        if word == "FROM" and tok.kind == "word" and nxt is not None:
            named = nxt.kind == "word" and nxt.text.upper() == "NAMED"
            target = toks[i + 2] if named and i + 2 < len(toks) else nxt
            iri = _resolve(target, prefixes, base)
            if iri is not None:
                (out.from_named_graphs if named else out.from_graphs).append(iri)
        if tok.kind == "other" and tok.text in "{([":
            depth += 1
        elif tok.kind == "other" and tok.text in "})]":
            depth -= 1
        operation_start = depth == 0 and tok.text == ";"
        i += 1
    return out


def _resolve(tok: Token, prefixes: dict[str, str], base: str) -> str | None:
    if tok.kind == "iri":
        return urljoin(base, unescape_iri(tok.text))
    if tok.kind == "pname":
        prefix, _, local = tok.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    return None


_ANALYSED: OrderedDict[str, Analysis] = OrderedDict()
_ANALYSED_LOCK = threading.Lock()
ANALYSED_MAX = 1024
"""Analyses kept: an endpoint is asked the same texts again and again (the named queries'
tabs in YASGUI, a client polling), and reading a text costs tens of microseconds."""
ANALYSED_TEXT_MAX = 16 * 1024
"""Only texts up to this long are kept, so that the kept ones stay small (16 MiB at most)."""


def _analysed(text: str) -> Analysis:
    """``analyse(text)``, from the kept analyses when the same text came before.

    A refused text is not kept (it is read again, and refused again). The caller gets
    its own copy: an analysis is a mutable dataclass.
    """
    with _ANALYSED_LOCK:
        kept = _ANALYSED.get(text)
        if kept is not None:
            _ANALYSED.move_to_end(text)
    if kept is None:
        kept = analyse(text)
        if len(text) <= ANALYSED_TEXT_MAX:
            with _ANALYSED_LOCK:
                _ANALYSED[text] = kept
                if len(_ANALYSED) > ANALYSED_MAX:
                    _ANALYSED.popitem(last=False)
    return replace(
        kept,
        from_graphs=list(kept.from_graphs),
        from_named_graphs=list(kept.from_named_graphs),
        destructive=set(kept.destructive),
    )


def check_query(
    text: str,
    *,
    graphs: Collection[str],
    allow_service: bool = False,
    allow_remote_from: bool = False,
) -> Analysis:
    """Refuse what a read-only public endpoint must not run; return the analysis.

    ``graphs`` (the store's named graphs) is read only when the query names a graph in
    a FROM clause.
    """
    a = _analysed(text)
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
