"""The ETags of single-resource reads: each resource's own, not the dataset's.

A read that is exactly a resource's data (``/api/commitments/{id}``, ``/id/…`` as RDF)
carries the resource's version (``Writer.resource_etag``), the one a write about it
takes in ``If-Match``. A read that also shows other resources' data (an actor with the
titles of its commitments, a page with its neighbours' titles and the labels of what it
links to, the assessments of a commitment with their assessors' names) carries a
validator of the representation itself: it moves when what it shows moves, and a write
elsewhere leaves it as it is. Either way ``DatasetETag`` lets the route's own ETag win
and answers ``If-None-Match`` with 304.
"""

from __future__ import annotations

import hashlib
from typing import TypeVar

from fastapi import Response

__all__ = ["representation_etag", "tag"]


def representation_etag(body: bytes) -> str:
    """A strong validator of one representation: a hash of its bytes."""
    return f'"h-{hashlib.sha256(body).hexdigest()[:32]}"'


R = TypeVar("R", bound=Response)


def tag(response: R, etag: str | None = None) -> R:
    """``response`` with ``etag``, or with a validator of its body. A streamed answer (a
    workbook) has no body to hash: it keeps the dataset's ETag, which moves with every
    change and so never claims a version it is not."""
    if etag:
        response.headers["ETag"] = etag
    elif isinstance(getattr(response, "body", None), (bytes, bytearray, memoryview)):
        response.headers["ETag"] = representation_etag(bytes(response.body))
    return response
