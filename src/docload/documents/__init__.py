"""Documents: models, validation, content storage and the Documenten API."""
