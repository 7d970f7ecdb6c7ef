"""Word and Excel evidence as PDF: converted by headless LibreOffice, once per content, ever.

The dossier appends PDF pages, so a .docx or .xls must become a PDF first; LibreOffice is slow
(seconds a file), so each content hash is converted once and kept in output/.cache/office-pdf.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

from assess.assessment.model import Assessment
from assess.render.dossier.sources import open_source, source_problem

OFFICE_KINDS = {"docx", "xlsx", "doc", "xls", "wps"}
"""Evidence kinds LibreOffice converts to PDF."""
OFFICE_TIMEOUT = 60
OFFICE_TIMEOUT_PER_FILE = 30

LOGGER = logging.getLogger(__name__)

TEXT = {
    "office_timeout": "LibreOffice 转换 {count} 个 Word/Excel 文件超时，未转换的文件不附原件",
}
"""Chinese wording of this module, in one place."""


def office_converter() -> str | None:
    """The LibreOffice command on PATH, if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def office_sources(assessment: Assessment, evidence_root: Path) -> dict[str, Path]:
    """Content hash → file, for the usable Word/Excel files on disk (one file per content)."""
    sources: dict[str, Path] = {}
    for result in assessment.indicators:
        for file in result.evidence:
            path = evidence_root / file.path
            if file.kind in OFFICE_KINDS and file.usable and source_problem(path, evidence_root) is None:
                sources.setdefault(file.sha256, path)
    return sources


def convert_office_files(sources: dict[str, Path], cache: Path, evidence_root: Path) -> dict[str, Path]:
    """Content hash → PDF, for each file LibreOffice converts; a content is converted once, ever.

    The cache (output/.cache/office-pdf) keeps one PDF per content hash, and a marker for content
    LibreOffice could not convert; entries for files no longer in the evidence are removed.
    LibreOffice never opens evidence/: it converts copies (named by content hash, so one run takes
    them all) read through open_source, so a symlink swapped in after indexing is never followed.
    """
    done, failed = cache / "pdf", cache / "failed"
    for stale in [*done.glob("*.pdf"), *failed.glob("*")]:
        if stale.name.removesuffix(".pdf") not in sources:
            stale.unlink()
    if not sources or office_converter() is None:
        return {}
    for folder in (done, failed):
        folder.mkdir(parents=True, exist_ok=True)
    todo = {sha: path for sha, path in sources.items() if not (done / f"{sha}.pdf").is_file() and not (failed / sha).exists()}
    copies = _staged_copies(todo, cache / "staged", evidence_root)
    try:
        converted = convert_office(list(copies.values()), cache / "incoming", cache / "profile") if copies else {}
    except subprocess.TimeoutExpired:
        LOGGER.warning(TEXT["office_timeout"].format(count=len(copies)))  # none marked as failed: a slow machine may manage next time
    else:
        for sha, copy in copies.items():
            if copy in converted:
                converted[copy].replace(done / f"{sha}.pdf")
            else:
                (failed / sha).touch()
    finally:
        shutil.rmtree(cache / "staged", ignore_errors=True)
    return {sha: done / f"{sha}.pdf" for sha in sources if (done / f"{sha}.pdf").is_file()}


def _staged_copies(files: dict[str, Path], staged: Path, evidence_root: Path) -> dict[str, Path]:
    """Content hash → a copy named `<hash><suffix>` in an emptied `staged` folder; files that cannot be read safely are left out."""
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir(parents=True)
    copies = {}
    for sha, path in files.items():
        copy = staged / f"{sha}{path.suffix.lower()}"
        try:
            with open_source(path, evidence_root) as source, copy.open("wb") as out:
                shutil.copyfileobj(source, out)
        except OSError:
            continue
        copies[sha] = copy
    return copies


def convert_office(paths: list[Path], outdir: Path, profile: Path) -> dict[Path, Path]:
    """Convert office files to PDF in an emptied `outdir` with one headless LibreOffice run; input → PDF for those it wrote."""
    shutil.rmtree(outdir, ignore_errors=True)
    outdir.mkdir(parents=True)
    command = [
        office_converter() or "soffice",
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(outdir),
        *map(str, paths),
    ]
    subprocess.run(command, capture_output=True, timeout=OFFICE_TIMEOUT + OFFICE_TIMEOUT_PER_FILE * len(paths), check=False)
    return {path: outdir / f"{path.stem}.pdf" for path in paths if (outdir / f"{path.stem}.pdf").is_file()}
