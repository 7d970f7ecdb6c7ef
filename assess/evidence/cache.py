"""The evidence index's disposable SQLite cache: content facts and the name's date, keyed by path, size and mtime.

An entry is reused only while the file's size and mtime_ns are unchanged; each fact is a column, so
rows decode without parsing JSON. Beside the rows, the last whole index is kept as JSON with the
mtime_ns of each of its files and a fingerprint of what it was made from: a run that finds nothing
changed reads that one row instead of a thousand, and one that finds a few files changed describes
only those. The cache can be deleted at any time; a damaged one (or one written by an older
version) is deleted and rebuilt without bothering the office.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from datetime import date
from pathlib import Path
from typing import NamedTuple

from assess.evidence.dates import FoundDate
from assess.evidence.sniff import Analysis

SCHEMA_VERSION = 8
"""Bump when the columns, Analysis or the way either is computed change: older caches are then discarded."""

_COLUMNS = (
    "path", "size", "mtime_ns", "sha256", "kind", "pages", "width", "height", "encrypted", "problem",
    "embedded_date", "embedded_date_source", "name_date", "name_precision",
)
_SCHEMA = ("""
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    kind TEXT NOT NULL,
    pages INTEGER,
    width INTEGER,
    height INTEGER,
    encrypted INTEGER NOT NULL,
    problem TEXT,
    embedded_date TEXT,
    embedded_date_source TEXT,
    name_date TEXT,
    name_precision TEXT
)
""", """
CREATE TABLE IF NOT EXISTS result (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    basis BLOB NOT NULL,
    fingerprint BLOB NOT NULL,
    mtimes_json BLOB NOT NULL,
    index_json BLOB NOT NULL
)
""")

PATHS_PER_QUERY = 500
"""Paths looked up by one query: SQLite before 3.32 allows at most 999 parameters (one query per path took 25 ms for 1,000)."""

Key = tuple[int, int]
"""(size, mtime_ns) of a file when it was analysed."""


class LastIndex(NamedTuple):
    """The index the last run made, as kept: what it was made from, the mtime_ns of each file, the index itself."""

    fingerprint: bytes
    """Of the basis (code and configuration) and everything the walk saw."""
    mtimes_json: bytes
    """JSON list of the mtime_ns of each file of the index, in its order."""
    index_json: bytes
    """The index as EvidenceIndex.model_dump_json writes it."""


class Cached(NamedTuple):
    """What is known about one path while its size and mtime stay the same: content facts and the name's date."""

    key: Key
    analysis: Analysis
    name_date: FoundDate | None


class AnalysisCache:
    """Previously computed facts per relative path; use as a context manager."""

    def __init__(self, path: Path):
        self.path = path
        self._db: sqlite3.Connection  # opened by __enter__

    def __enter__(self) -> AnalysisCache:
        try:
            self._db = self._open(self.path)
        except (OSError, sqlite3.DatabaseError):  # damaged, older schema or unwritable: start afresh
            self._db = self._reopen()
        return self

    def __exit__(self, *exc_info) -> None:
        """Commit even after an interruption: every stored entry is complete and valid on its own."""
        self.commit()
        self._db.close()

    @staticmethod
    def _open(target: Path | str) -> sqlite3.Connection:
        """Connect, check the schema version, and create the table."""
        if isinstance(target, Path):
            target.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(target, timeout=30)
        try:
            # No fsync on commit: the cache only saves time. A killed run still leaves a valid file (the
            # rollback journal is kept); a power cut may damage it, and a damaged cache is rebuilt.
            db.execute("PRAGMA synchronous = OFF")
            # A journal emptied at commit, not deleted: as safe, and each commit that writes saves creating
            # and deleting a file (0.1 ms or more).
            db.execute("PRAGMA journal_mode = TRUNCATE")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:  # a new file; an existing one is only read here, so a warm run writes (and syncs) nothing
                for statement in _SCHEMA:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            elif version != SCHEMA_VERSION:
                raise sqlite3.DatabaseError("cache schema changed")
            for table in ("files", "result"):
                db.execute(f"SELECT count(*) FROM {table}").fetchone()
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

    def load(self, paths: Sequence[str]) -> dict[str, Cached]:
        """The entries of these paths; rows that do not decode are deleted (and will be recomputed)."""
        rows: list[tuple] = []
        try:
            for start in range(0, len(paths), PATHS_PER_QUERY):
                part = paths[start : start + PATHS_PER_QUERY]
                query = f"SELECT {', '.join(_COLUMNS)} FROM files WHERE path IN ({', '.join('?' * len(part))})"
                rows += self._db.execute(query, part).fetchall()
        except sqlite3.DatabaseError:  # damaged inside: the header was fine, the pages are not
            self._db.close()
            self._db = self._reopen()
            return {}
        entries, bad = {}, []
        for row in rows:
            try:
                entries[row[0]] = _decode(row)
            except (TypeError, ValueError):
                bad.append(row[0])
        self.forget(bad)
        return entries

    def keep_only(self, paths: Collection[str]) -> None:
        """Drop the entries of every other path (files that no longer exist)."""
        try:
            stored = [path for (path,) in self._db.execute("SELECT path FROM files")]
        except sqlite3.DatabaseError:
            return
        self.forget([path for path in stored if path not in paths])

    def last_index(self, basis: bytes) -> LastIndex | None:
        """The index the last run made, if it was made by the same code from the same configuration (basis)."""
        query = "SELECT fingerprint, mtimes_json, index_json FROM result WHERE basis = ?"
        try:
            row = self._db.execute(query, (basis,)).fetchone()
        except sqlite3.DatabaseError:  # damaged: the rest of the run finds out and rebuilds
            return None
        return LastIndex(*row) if row else None

    def keep_index(self, basis: bytes, kept: LastIndex | None) -> None:
        """Remember the index just made (None: forget the last one, as this one must not be reused)."""
        if kept is None:
            self._write(lambda db: db.execute("DELETE FROM result"))
        else:
            # An upsert (SQLite 3.24+), not INSERT OR REPLACE: SQLite then rewrites a value of unchanged length in place, page
            # by page, writing only the pages that differ (one touched file: 0.1 ms instead of 0.7 at 1x).
            upsert = (
                "INSERT INTO result (id, basis, fingerprint, mtimes_json, index_json) VALUES (1, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET basis = excluded.basis, fingerprint = excluded.fingerprint,"
                " mtimes_json = excluded.mtimes_json, index_json = excluded.index_json"
            )
            self._write(lambda db: db.execute(upsert, (basis, *kept)))

    def store(self, path: str, cached: Cached) -> None:
        """Record (or replace) what is known about one file."""
        insert = f"INSERT OR REPLACE INTO files ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
        self._write(lambda db: db.execute(insert, _encode(path, cached)))

    def forget(self, paths: Collection[str]) -> None:
        """Drop the entries of these paths (files that no longer exist)."""
        if paths:
            self._write(lambda db: db.executemany("DELETE FROM files WHERE path = ?", [(path,) for path in paths]))

    def commit(self) -> None:
        """Make the entries stored so far durable (called periodically on long runs)."""
        self._write(lambda db: db.commit())

    def _write(self, action) -> None:
        """Run one write; if the cache file fails mid-run (its folder deleted, disk full, I/O error), go on in memory.

        The cache only saves time: losing it must not stop the index. The next run reads whatever the
        file still holds, or rebuilds it.
        """
        try:
            action(self._db)
        except sqlite3.DatabaseError:
            self._db.close()
            self._db = self._open(":memory:")


def _encode(path: str, cached: Cached) -> tuple:
    """One row: the key, the Analysis fields, and the name's date as ISO text and precision."""
    facts, found = cached.analysis, cached.name_date
    return (
        path, *cached.key, facts.sha256, facts.kind, facts.pages, facts.width, facts.height, int(facts.encrypted),
        facts.problem, _iso(facts.embedded_date), facts.embedded_date_source,
        _iso(found.value if found else None), found.precision if found else None,
    )


def _decode(row: tuple) -> Cached:
    """The Cached entry of one row; TypeError or ValueError if the row is not one this version wrote."""
    (_, size, mtime_ns, sha256, kind, pages, width, height, encrypted, problem, embedded, source, name_date, precision) = row
    # Positional, in Analysis's field order (unreadable is never cached): keywords cost a third more here.
    analysis = Analysis(sha256, kind, pages, width, height, bool(encrypted), problem, None, _date(embedded), source)
    found = FoundDate(date.fromisoformat(name_date), precision) if name_date else None
    return Cached((size, mtime_ns), analysis, found)


def _iso(value: date | None) -> str | None:
    """A date as stored in the cache."""
    return value.isoformat() if value else None


def _date(text: str | None) -> date | None:
    """A stored date back as a date."""
    return date.fromisoformat(text) if text else None
