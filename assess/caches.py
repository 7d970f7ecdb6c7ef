"""Everything under output/.cache: where each cache lives, and the code stamp that invalidates it.

A cache is only as good as its key. Each key includes a stamp of the code that made the cached
result, from an explicit list of modules, so a moved or renamed module changes nothing silently.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
from pathlib import Path

CACHE = Path(".cache")
"""The cache folder, relative to the project's output folder; deleting it only costs time."""

EVIDENCE_CACHE = CACHE / "evidence.sqlite3"
"""Facts read from each evidence file (hash, pages, dates), keyed by path, size and mtime."""

OFFICE_PDF = CACHE / "office-pdf"
"""Word and Excel evidence converted to PDF by LibreOffice, one file per content hash."""

DOSSIER_PARTS = CACHE / "dossier-parts"
"""The dossier's laid-out HTML parts, keyed by their HTML and style."""

DOSSIER_LAYOUT = CACHE / "dossier-layout.json"
"""The page counts of the last dossier, the first guess for the next layout."""

DOSSIER_EVIDENCE = CACHE / "dossier-evidence.json"
"""Where each evidence source's bytes end in the last dossier, so a rebuild can copy them."""


@functools.cache
def code_stamp(*modules: str) -> bytes:
    """SHA-256 of the named modules' source: a result made by other code (an upgrade, an edit) is not reused.

    Modules are named in full and imported here, so a name that no longer exists fails loudly. The
    stamp is computed once per process: the source does not change under a running program.
    """
    digest = hashlib.sha256()
    for name in sorted(modules):
        source = Path(importlib.import_module(name).__file__ or "")
        digest.update(name.encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.digest()
