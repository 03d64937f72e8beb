"""Errors of the engine: values with a code, rendered by each dialect in its own shape."""


class ImportProblem(Exception):
    """A request to the engine that cannot be carried out, e.g. `import-dir-not-found`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ContentError(Exception):
    """A row's content cannot be used; the message becomes the row's comment."""
