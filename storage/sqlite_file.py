"""The identity of a SQLite database file, checked before every transaction and every new connection.

A SQLite connection keeps working on the file it opened even after that file is deleted or replaced
(moved aside, restored from a backup, a volume re-mounted): writes then go to an unlinked inode and
are lost on the next start, while everything looks fine. So the file's device and inode are recorded
when the engine first opens it; a transaction (or a new connection, which would quietly create a new
empty file) on a path that no longer holds that file fails with `DatabaseFileGone`, and /healthz
reports the same.
"""

from __future__ import annotations

import os
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event


class DatabaseFileGone(OSError):
    """The SQLite file atou opened is no longer at its path (deleted, or replaced by another file)."""


class FileIdentity:
    """The (device, inode) of the file at `path` when first opened, and the check that it is still there."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.identity: tuple[int, int] | None = None

    def problem(self) -> str | None:
        """Why the file at the path is not the one opened; None while it is (or before it was opened)."""
        if self.identity is None:
            return None
        try:
            found = os.stat(self.path)
        except FileNotFoundError:
            return (
                f"The database file {self.path} was deleted while atou had it open; nothing more is written "
                "until it is restored and atou restarted."
            )
        if (found.st_dev, found.st_ino) != self.identity:
            return (
                f"The database file {self.path} was replaced by another file while atou had it open; nothing "
                "more is written until atou is restarted on the file now there."
            )
        return None

    def check(self) -> None:
        problem = self.problem()
        if problem is not None:
            raise DatabaseFileGone(problem)

    def _before_connect(self, *_args: Any) -> None:
        # A new connection to a missing path would create an empty database there.
        self.check()

    def _connected(self, *_args: Any) -> None:
        if self.identity is None:
            found = os.stat(self.path)
            self.identity = (found.st_dev, found.st_ino)

    def _begin(self, _conn: Connection) -> None:
        self.check()


_GUARDED: weakref.WeakKeyDictionary[Engine, FileIdentity] = weakref.WeakKeyDictionary()


def guard(engine: Engine, path: Path) -> None:
    """Record the identity of the file at `path` on the engine's first connection, and check it after."""
    identity = FileIdentity(path)
    event.listen(engine, "do_connect", identity._before_connect)
    event.listen(engine, "connect", identity._connected)
    event.listen(engine, "begin", identity._begin)
    _GUARDED[engine] = identity


def file_problem(engine: Engine) -> str | None:
    """For an engine on a SQLite file: why that file is not the one it opened; else None."""
    identity = _GUARDED.get(engine)
    return identity.problem() if identity is not None else None
