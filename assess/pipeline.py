"""The whole pipeline, in order: data → evidence index → assessment → the three documents.

This function is the architecture: each stage reads only what the previous ones produced.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from assess.assessment.engine import run_assessment
from assess.assessment.model import ASSESSMENT_FILE, Assessment
from assess.atomic import remove_stale_temps, write_json
from assess.config.data import load_data
from assess.config.project import Project
from assess.errors import AssessError
from assess.evidence.index import INDEX_FILE, build_index, write_index_json
from assess.evidence.manifest import (
    MANIFEST_FILE,
    Manifest,
    build_manifest,
    write_manifest,
)
from assess.lock import project_lock

DOCUMENTS = ("docx", "xlsx", "pdf")
"""The deliverables `assess build --only` can name, in build order."""

OUTPUT_KIND = {"docx": "report", "xlsx": "workbook", "pdf": "dossier"}
"""Which configured output name (assess.yaml `outputs`) each document uses."""


@dataclass
class BuildOptions:
    """What to build and how; defaults build everything for the project's report date."""

    only: tuple[str, ...] = DOCUMENTS
    template: Path | None = None
    include_evidence: bool = True
    max_dpi: int = 150
    as_of: date | None = None
    rehash: bool = False
    progress: bool = False


@dataclass
class BuildResult:
    """What a build wrote, how long each step took, and which documents failed."""

    assessment: Assessment
    written: dict[str, Path] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    failures: dict[str, AssessError] = field(default_factory=dict)


class BuildIncomplete(AssessError):
    """Some documents could not be built; the others were written."""

    def __init__(self, failures: dict[str, AssessError]):
        self.failures = failures
        lines = "\n".join(f"  {kind}：{error}" for kind, error in failures.items())
        super().__init__(f"以下文件未能生成（其余文件已正常写出）：\n{lines}")


def build(project: Project, options: BuildOptions | None = None) -> BuildResult:
    """Run the pipeline under the project lock; one failing document never stops the others."""
    options = options or BuildOptions()
    output = project.path("output")
    with project_lock(output):
        remove_stale_temps(output)
        seconds: dict[str, float] = {}
        with _timed(seconds, "data"):
            data = load_data(project)
        with _timed(seconds, "index"):
            index = build_index(project, rehash=options.rehash, progress=options.progress)
            write_index_json(index, output / INDEX_FILE)
            manifest = build_manifest(index, project)
            write_manifest(manifest, output / MANIFEST_FILE)
        with _timed(seconds, "assessment"):
            assessment = run_assessment(project, index, data, as_of=options.as_of)
            write_json(output / ASSESSMENT_FILE, assessment.model_dump(mode="json"))
        result = BuildResult(assessment=assessment, seconds=seconds)
        for kind in _ordered(options.only):
            target = output / project.config.output_name(OUTPUT_KIND[kind])
            try:
                with _timed(seconds, kind):
                    _renderer(kind, options, manifest)(assessment, project, target)
            except AssessError as error:
                result.failures[kind] = error
            else:
                result.written[kind] = target
    return result


def _ordered(only: Iterable[str]) -> list[str]:
    """Requested documents in build order, each once."""
    wanted = set(only)
    return [kind for kind in DOCUMENTS if kind in wanted]


def _renderer(kind: str, options: BuildOptions, manifest: Manifest) -> Callable[[Assessment, Project, Path], Path]:
    """The renderer of one document, with the options (and for the dossier, the evidence manifest) bound in.

    Imported lazily: `--only xlsx` should not pay for loading WeasyPrint.
    """
    if kind == "docx":
        from assess.render.docx import render_docx

        return lambda a, p, t: render_docx(a, p, t, template=options.template)
    if kind == "xlsx":
        from assess.workbook.export import render_xlsx

        return render_xlsx
    from assess.render.dossier.build import render_pdf

    return lambda a, p, t: render_pdf(a, p, t, include_evidence=options.include_evidence, max_dpi=options.max_dpi, manifest=manifest)


@contextmanager
def _timed(seconds: dict[str, float], name: str) -> Iterator[None]:
    """Record how long the block took under `name` (shown in the build summary and the benchmark)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        seconds[name] = time.perf_counter() - start
