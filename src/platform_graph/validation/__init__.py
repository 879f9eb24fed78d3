"""SHACL validation, the shapes' access paths, incremental validation."""
