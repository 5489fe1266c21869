"""The one error every importer raises: which file, where in it, and what is wrong."""

from __future__ import annotations


class ImportProblem(Exception):
    """A file that cannot be imported as it is.

    `where` is a section name or `line N` (or a JSON path such as `$.brief.prompts[2]`),
    `what` says what is wrong in words an operator can act on.
    """

    def __init__(self, path: str, where: str, what: str) -> None:
        super().__init__(f"{path}: {where}: {what}")
        self.path = path
        self.where = where
        self.what = what
