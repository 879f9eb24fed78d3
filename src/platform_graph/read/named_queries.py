"""The registry of named queries: each ``queries/*.rq`` file with its header.

A header is a block of comment lines at the top of the file::

    # title: Everything that concerns an area
    # description: Commitments that concern the area or a place within it.
    # param: area | area | required | The area's slug, such as vivalla.
    # param: min_count | integer | 1 | Only themes with at least this many commitments.

A parameter line is ``name | type | default-or-required | description``. Types:
``string``, ``integer``, ``boolean``, ``date``, ``year``, and the resource kinds
``actor``, ``area``, ``theme``, ``section``, ``commitment``, ``status``, ``strength``,
``kind``, ``platform``, whose value is a slug bound as the resource's IRI (a platform's:
its document, ``id/document/{slug}``). Values are bound to the
query variable of the same name, never pasted into the text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from platform_graph.errors import PlatformGraphError
from platform_graph.store import Term
from platform_graph.vocab.identifiers import LOCAL_NAME
from platform_graph.vocab.namespaces import ID

__all__ = [
    "RESOURCE_KINDS",
    "NamedQuery",
    "Parameter",
    "ParameterError",
    "load_queries",
]

RESOURCE_KINDS = frozenset(
    {"actor", "area", "theme", "section", "commitment", "status", "strength", "kind", "platform"}
)
# The kind of resource whose IRI a parameter of each type names: a platform is its document.
_IRI_KIND = {"platform": "document"}
SCALAR_TYPES = frozenset({"string", "integer", "boolean", "date", "year"})
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class ParameterError(PlatformGraphError):
    """A parameter value that does not fit its declared type (``sv``: the message in
    Swedish)."""

    def __init__(self, name: str, message: str, sv: str | None = None) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message
        self.sv = sv or f"ogiltigt värde: {message}"


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    type: str
    required: bool
    default: str | None
    description: str

    def bind(self, raw: str) -> Term:
        """Turn a request value into the RDF term bound to ``?name``."""
        if self.type in RESOURCE_KINDS:
            if not LOCAL_NAME.match(raw):
                raise ParameterError(
                    self.name,
                    f"expected a {self.type} slug such as 'vivalla'",
                    f"väntade ett id (slug) för {self.type}, t.ex. 'vivalla'",
                )
            return URIRef(ID[f"{_IRI_KIND.get(self.type, self.type)}/{raw}"])
        if self.type == "integer":
            if not re.fullmatch(r"-?\d+", raw):
                raise ParameterError(self.name, "expected an integer", "väntade ett heltal")
            return Literal(int(raw))
        if self.type == "boolean":
            if raw.lower() not in ("true", "false"):
                raise ParameterError(
                    self.name, "expected true or false", "väntade true eller false"
                )
            return Literal(raw.lower() == "true")
        if self.type == "date":
            try:
                date.fromisoformat(raw)
            except ValueError as exc:
                raise ParameterError(
                    self.name,
                    "expected a date such as 2026-12-31",
                    "väntade ett datum som 2026-12-31",
                ) from exc
            return Literal(raw, datatype=XSD.date)
        if self.type == "year":
            if not re.fullmatch(r"\d{4}", raw):
                raise ParameterError(
                    self.name, "expected a year such as 2027", "väntade ett år som 2027"
                )
            return Literal(raw, datatype=XSD.gYear)
        return Literal(raw)


@dataclass(frozen=True, slots=True)
class NamedQuery:
    name: str
    title: str
    description: str
    text: str
    parameters: tuple[Parameter, ...] = field(default_factory=tuple)

    def bindings(self, values: Mapping[str, str]) -> dict[str, Term]:
        """Validate request values and return the bindings; unknown names are errors."""
        known = {p.name for p in self.parameters}
        for name in values:
            if name not in known:
                allowed = ", ".join(sorted(known)) or "none"
                raise ParameterError(
                    name,
                    f"unknown parameter (this query takes: {allowed})",
                    f"okänd parameter (frågan tar: {allowed})",
                )
        out: dict[str, Term] = {}
        for p in self.parameters:
            raw = values.get(p.name, p.default)
            if raw is None:
                if p.required:
                    raise ParameterError(
                        p.name, "this parameter is required", "parametern måste anges"
                    )
                continue
            out[p.name] = p.bind(raw)
        return out


def _parse(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    params: list[Parameter] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, sep, value = line[1:].strip().partition(":")
        if not sep:
            continue
        key, value = key.strip().lower(), value.strip()
        if key == "param":
            parts = [p.strip() for p in value.split("|")]
            if len(parts) != 4:
                raise PlatformGraphError(f"{path.name}: a param line needs 4 fields: {line}")
            name, ptype, default, description = parts
            if not _NAME.match(name) or ptype not in RESOURCE_KINDS | SCALAR_TYPES:
                raise PlatformGraphError(f"{path.name}: bad parameter {name!r} of type {ptype!r}")
            required = default == "required"
            params.append(
                Parameter(name, ptype, required, None if required else default, description)
            )
        elif key in ("title", "description"):
            meta[key] = (meta.get(key, "") + " " + value).strip()
    if "title" not in meta or "description" not in meta:
        raise PlatformGraphError(f"{path.name}: the header needs a title and a description")
    return NamedQuery(path.stem, meta["title"], meta["description"], text, tuple(params))


def load_queries(folder: Path) -> dict[str, NamedQuery]:
    """Every ``*.rq`` file in ``folder``, by name (the file name without .rq)."""
    return {q.name: q for q in (_parse(p) for p in sorted(folder.glob("*.rq")))}
