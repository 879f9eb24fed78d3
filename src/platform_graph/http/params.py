"""No silent surprises in query strings: a parameter a route does not take, or a
single-valued one given twice, is a 422 that names it (and the nearest valid name),
never ignored or silently overwritten."""

from __future__ import annotations

import difflib
import typing
from collections import Counter
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.dependencies.models import Dependant

from platform_graph.http.problems import ProblemError

__all__ = ["Offset", "check_names", "strict_query"]


def _multi(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        return True
    return any(_multi(a) for a in typing.get_args(annotation)) if origin else False


def check_names(
    given: Iterable[tuple[str, str]], single: Iterable[str], multi: Iterable[str] = ()
) -> None:
    """422 for names not in ``single`` or ``multi``, and for a name of ``single`` given
    more than once."""
    single, multi = set(single), set(multi)
    known = sorted(single | multi)
    counts = Counter(name for name, _ in given)
    errors: list[dict[str, Any]] = []
    for name in counts:
        if name not in single and name not in multi:
            nearest = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            message = f"unknown parameter {name!r}" + (
                f"; did you mean {nearest[0]!r}?" if nearest else ""
            )
            error: dict[str, Any] = {"parameter": name, "message": message, "allowed": known}
            if nearest:
                error["did_you_mean"] = nearest[0]
            errors.append(error)
        elif name in single and counts[name] > 1:
            errors.append(
                {
                    "parameter": name,
                    "message": f"{name!r} takes one value; it was given {counts[name]} times",
                }
            )
    if errors:
        raise ProblemError(
            422, "Invalid parameter", "; ".join(e["message"] for e in errors), errors=errors
        )


def _query_fields(dependant: Dependant) -> Iterable[Any]:
    yield from dependant.query_params
    for sub in dependant.dependencies:
        yield from _query_fields(sub)


def strict_query(request: Request) -> None:
    """A dependency: the route's own query parameters, and nothing else."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    single: set[str] = set()
    multi: set[str] = set()
    for field in _query_fields(dependant):
        (multi if _multi(field.field_info.annotation) else single).add(field.alias)
    check_names(request.query_params.multi_items(), single, multi)


Offset = Annotated[
    int,
    Query(
        ge=0,
        le=2**31 - 1,
        description="How many to skip (a page's start). Bounded: the engine and SQLite "
        "take no larger number.",
    ),
]
"""A page's offset: past 2**31 - 1 it is a 422, not a number the engine cannot take."""
