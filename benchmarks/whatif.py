"""The change to incremental validation that the benchmarks proposed, now in the service.

The validated-change benchmark showed the change's latency growing with the graph: the
subgraph took in every incoming edge of every focus node. The shapes read incoming edges
only along ``sh:inversePath``, and ``incremental.Validator`` now reads only those. The
harness still reports a "proposed" column, which is the same validator, so that runs made
before and after the fix stay comparable.
"""

from __future__ import annotations

from platform_graph.incremental import Validator

__all__ = ["ProposedValidator"]


class ProposedValidator(Validator):
    """The service's own validator (the proposal has landed)."""
