"""The read side: the read model, the named queries, the downloads."""
