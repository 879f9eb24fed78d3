"""RDF and SPARQL as text: terms, media types, SPARQL text, results."""
