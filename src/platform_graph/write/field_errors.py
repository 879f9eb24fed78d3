"""An error about one field of a form or a row, in Swedish and English: what the
workbench shows next to the field, and what the API answers in ``errors[]``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from platform_graph.validation.shacl import Report

__all__ = ["FieldError", "violations_by_field"]


@dataclass(frozen=True, slots=True)
class FieldError:
    """One broken rule: the field it concerns (``""``: the whole form; ``index``: which of
    several values, as for evidence), a stable ``code``, the message in Swedish and
    English."""

    field: str
    code: str
    sv: str
    en: str
    index: int | None = None

    @property
    def parameter(self) -> str:
        """The field as a dotted path into the API's body (``evidence.1``, ``note.en``)."""
        if self.field == "note_en":
            return "note.en"
        return self.field if self.index is None else f"{self.field}.{self.index}"

    def text(self, lang: str) -> str:
        return self.sv if lang == "sv" else self.en

    def to_json(self) -> dict[str, Any]:
        return {
            "parameter": self.parameter,
            "code": self.code,
            "message": {"sv": self.sv, "en": self.en},
        }


def violations_by_field(
    report: Report, fields: Mapping[str, str], focus: Iterable[str] | None = None
) -> list[FieldError]:
    """The report's violations as field errors: ``fields`` maps a shape's path (an IRI)
    to the form field it concerns; violations of other paths, or of other nodes than
    ``focus``, concern the whole form (field ``""``)."""
    nodes = set(focus) if focus is not None else None
    out: list[FieldError] = []
    for v in report.violations:
        field = fields.get(v.path or "", "")
        if nodes is not None and v.focus not in nodes:
            field = ""
        out.append(FieldError(field, "shacl", v.message_sv, v.message_en))
    return out
