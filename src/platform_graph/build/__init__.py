"""The graph built from the source text and the curated facts."""
