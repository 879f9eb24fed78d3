"""Every format the service reads or writes, in one registry: media types, file names.

RDF syntaxes (graphs and datasets) and SPARQL result formats, each with its media type,
the other media types clients send for it, its file extensions and the name rdflib and
the W3C's format IRIs give it. The store maps a format to its engine's own by ``name``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from platform_graph.errors import InputError

__all__ = [
    "DATASET_TYPES",
    "FORMATS",
    "GRAPH_TYPES",
    "RDF_BODY_TYPES",
    "SOLUTION_TYPES",
    "Format",
    "by_file_name",
    "by_media_type",
]

Kind = Literal["graph", "dataset", "solutions"]


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    media_type: str
    kind: Kind
    extensions: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    rdflib: str | None = None
    w3c: str | None = None
    """The format's IRI at http://www.w3.org/ns/formats/ (for service descriptions)."""

    @property
    def text(self) -> bool:
        return self.media_type.startswith("text/")

    @property
    def content_type(self) -> str:
        """The Content-Type to send: text formats say they are UTF-8."""
        return self.media_type + ("; charset=utf-8" if self.text else "")


_W3C = "http://www.w3.org/ns/formats/"

FORMATS: tuple[Format, ...] = (
    Format(
        "turtle",
        "text/turtle",
        "graph",
        ("ttl", "turtle"),
        ("application/x-turtle",),
        "turtle",
        _W3C + "Turtle",
    ),
    Format(
        "n-triples",
        "application/n-triples",
        "graph",
        ("nt",),
        ("text/plain",),
        "nt",
        _W3C + "N-Triples",
    ),
    Format(
        "json-ld",
        "application/ld+json",
        "graph",
        ("jsonld", "json"),
        (),
        "json-ld",
        _W3C + "JSON-LD",
    ),
    Format(
        "rdf-xml",
        "application/rdf+xml",
        "graph",
        ("rdf", "owl", "xml"),
        (),
        "xml",
        _W3C + "RDF_XML",
    ),
    Format("n-quads", "application/n-quads", "dataset", ("nq",), (), "nquads", _W3C + "N-Quads"),
    Format("trig", "application/trig", "dataset", ("trig",), (), "trig", _W3C + "TriG"),
    Format(
        "sparql-json",
        "application/sparql-results+json",
        "solutions",
        ("srj",),
        ("application/json",),
        None,
        _W3C + "SPARQL_Results_JSON",
    ),
    Format(
        "sparql-xml",
        "application/sparql-results+xml",
        "solutions",
        ("srx",),
        (),
        None,
        _W3C + "SPARQL_Results_XML",
    ),
    Format("csv", "text/csv", "solutions", ("csv",), (), None, _W3C + "SPARQL_Results_CSV"),
    Format(
        "tsv",
        "text/tab-separated-values",
        "solutions",
        ("tsv",),
        (),
        None,
        _W3C + "SPARQL_Results_TSV",
    ),
)

_BY_MEDIA = {m: f for f in FORMATS for m in (f.media_type, *f.aliases)}
_BY_EXTENSION = {e: f for f in FORMATS if f.kind != "solutions" for e in f.extensions}

SOLUTION_TYPES: tuple[str, ...] = (
    *(f.media_type for f in FORMATS if f.kind == "solutions"),
    "application/json",
)
"""What a SELECT or ASK answers as, the default first."""
GRAPH_TYPES: tuple[str, ...] = (
    *(f.media_type for f in FORMATS if f.kind == "graph"),
    "text/plain",
)
"""What a CONSTRUCT, a DESCRIBE or a resource answers as, the default first."""
DATASET_TYPES: tuple[str, ...] = tuple(f.media_type for f in FORMATS if f.kind == "dataset")
RDF_BODY_TYPES: frozenset[str] = frozenset(
    m for f in FORMATS if f.kind != "solutions" for m in (f.media_type, *f.aliases)
) - {"text/plain"}
"""What a request body of RDF may be sent as."""


def by_media_type(media_type: str) -> Format | None:
    return _BY_MEDIA.get(media_type.split(";")[0].strip().lower())


def by_file_name(name: str) -> Format:
    """The RDF format of a file, by its extension."""
    ext = name.rsplit(".", 1)[-1].lower()
    found = _BY_EXTENSION.get(ext)
    if found is None:
        raise InputError(
            f"unknown RDF file extension {ext!r} (use one of {', '.join(sorted(_BY_EXTENSION))})",
            source=name,
        )
    return found
