"""Cells that a spreadsheet opens as text, never as a formula it runs.

A value that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a
formula to Excel and LibreOffice: ``=HYPERLINK(…)`` in a title came out as a live link.
The usual defence is an apostrophe before such a cell. Two strengths:

* ``neutralise_cell`` for the service's own tables (REST, named queries, spreadsheets):
  every such cell but a plain number;
* ``neutralise_acting_cell`` for SPARQL's CSV results, which must give the engine's values
  exactly (``-PT8H``, ``-08:00`` are values): only a cell that would act, by calling a
  function, opening a DDE link or reading another sheet (``(``, ``|``, ``!``).
"""

from __future__ import annotations

import re

__all__ = ["neutralise_acting_cell", "neutralise_cell"]

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_ACTS = re.compile(r"[(|!]")


def neutralise_cell(text: str) -> str:
    """A table cell that cannot run as a formula (numbers are left as they are)."""
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def neutralise_acting_cell(text: str) -> str:
    """A SPARQL CSV value as it is, unless a spreadsheet could run it as a formula that
    acts (calls a function, opens a DDE link, reads another sheet or file)."""
    if text.startswith(_FORMULA_START) and _FORMULA_ACTS.search(text):
        return "'" + text
    return text
