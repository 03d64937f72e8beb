"""docload: a ZGW Documenten API registry that loads documents in bulk."""
