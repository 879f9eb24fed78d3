"""The vocabulary: namespaces, graph IRIs, the scales, identifiers."""
