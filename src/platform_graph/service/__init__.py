"""The running service's parts, opened and put together."""
