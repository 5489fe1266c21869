"""What went wrong with one source, in a sentence that names it."""

from __future__ import annotations


class SourceProblem(Exception):
    """A page, file or feed could not be drafted: `source` is what the editor gave, `what` the reason."""

    def __init__(self, source: str, what: str) -> None:
        self.source = source
        self.what = what
        super().__init__(f"{source}: {what}")
