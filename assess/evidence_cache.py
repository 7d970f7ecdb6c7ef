"""The evidence index's disposable SQLite cache: content facts keyed by path, size and mtime.

An entry is reused only while the file's size and mtime_ns are unchanged. The cache can be deleted
at any time; a damaged one is deleted and rebuilt without bothering the office.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pydantic import ValidationError

from .sniff import Analysis

SCHEMA_VERSION = 2
"""Bump when Analysis or the way it is computed changes: older caches are then discarded."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    analysis TEXT NOT NULL
)
"""

Key = tuple[int, int]
"""(size, mtime_ns) of a file when it was analysed."""


class AnalysisCache:
    """Previously computed Analysis per relative path; use as a context manager."""

    def __init__(self, path: Path):
        self.path = path
        self._db: sqlite3.Connection | None = None

    def __enter__(self) -> "AnalysisCache":
        try:
            self._db = self._open(self.path)
        except (OSError, sqlite3.DatabaseError):  # damaged, older schema or unwritable: start afresh
            self._db = self._reopen()
        return self

    def __exit__(self, *exc_info) -> None:
        """Commit even after an interruption: every stored entry is complete and valid on its own."""
        if self._db is not None:
            self._db.commit()
            self._db.close()

    @staticmethod
    def _open(target: Path | str) -> sqlite3.Connection:
        """Connect, check the schema version, and create the table."""
        if isinstance(target, Path):
            target.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(target, timeout=30)
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                raise sqlite3.DatabaseError("cache schema changed")
            db.execute(_SCHEMA)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("SELECT count(*) FROM files").fetchone()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _reopen(self) -> sqlite3.Connection:
        """Delete the database file and its journals and start empty; in memory if output/ is unwritable."""
        try:
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            return self._open(self.path)
        except (OSError, sqlite3.DatabaseError):
            return self._open(":memory:")

    def load(self) -> dict[str, tuple[Key, Analysis]]:
        """Every entry, by relative path; unreadable rows are left out (and will be recomputed)."""
        try:
            rows = self._db.execute("SELECT path, size, mtime_ns, analysis FROM files").fetchall()
        except sqlite3.DatabaseError:  # damaged inside: the header was fine, the pages are not
            self._db.close()
            self._db = self._reopen()
            return {}
        entries = {}
        for path, size, mtime_ns, text in rows:
            try:
                entries[path] = ((size, mtime_ns), Analysis.model_validate_json(text))
            except ValidationError:
                continue
        return entries

    def store(self, path: str, key: Key, analysis: Analysis) -> None:
        """Record (or replace) the analysis of one file."""
        self._db.execute(
            "INSERT OR REPLACE INTO files (path, size, mtime_ns, analysis) VALUES (?, ?, ?, ?)",
            (path, *key, analysis.model_dump_json()),
        )

    def keep_only(self, paths: set[str]) -> None:
        """Drop entries of files that no longer exist."""
        gone = [(path,) for (path,) in self._db.execute("SELECT path FROM files") if path not in paths]
        self._db.executemany("DELETE FROM files WHERE path = ?", gone)

    def commit(self) -> None:
        """Make the entries stored so far durable (called periodically on long runs)."""
        self._db.commit()
