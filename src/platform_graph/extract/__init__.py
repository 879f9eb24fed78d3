"""Issue 16: propose the coding of a new platform's text, exactly anchored in it.

``read_source`` checks the file (size, binary, encoding, language); ``extract`` cuts the
text into units (headings, sentences, list items) and codes each with the codebook's rules
(``data/codebook/cues.yaml``, the actor and area registries, the theme words); ``draft``
writes the result as a curation draft whose statements are all marked proposed.
"""

from __future__ import annotations

from platform_graph.extract.coding import Extraction, Unit, extract
from platform_graph.extract.context import ExtractionContext, load_context
from platform_graph.extract.source_text import SourceTextError, read_source

__all__ = [
    "Extraction",
    "ExtractionContext",
    "SourceTextError",
    "Unit",
    "extract",
    "load_context",
    "read_source",
]
