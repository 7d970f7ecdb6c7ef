"""The WeasyPrint half of the dossier: the HTML part (cover to the evidence chapter), and the chapters laid out apart after the appendix.

Each document is filled from its template and laid out with the dossier's styles: the HTML part
in this process, the continued tables and the manifest batch by batch, by the worker process when
there are enough rows for it to pay off (see layout). Every document is taken from the parts
cache when an earlier build laid out the same one.
"""

from __future__ import annotations

from pathlib import Path

from assess.assessment.model import Assessment
from assess.config.project import Project
from assess.evidence.manifest import Manifest
from assess.render.dossier.context import (
    BATCH_ROWS,
    back_chapters,
    chart_urls,
    continued_contexts,
    dossier_context,
    manifest_contexts,
    rows_continued,
)
from assess.render.dossier.layout import (
    Keep,
    Layout,
    Layouter,
    PartJob,
    PartsCache,
    Pending,
    Styles,
    Written,
    lay_out_document,
)
from assess.render.dossier.plan import AppendixPlan
from assess.render.dossier.templates import (
    CONTINUED_TEMPLATE,
    HTML_TEMPLATE,
    MANIFEST_TEMPLATE,
    TEMPLATE_FOLDER,
    font_css,
    render_template,
    style_key,
    template_css,
    template_environment,
    verdict_css,
)

PARALLEL_ROWS = 2 * BATCH_ROWS
"""Rows laid out apart (continued tables and manifest) from which a worker process lays them out
beside the HTML part: below, starting a process (about a second of CPU) saves less than it costs."""
FRONT_FILE = "front-0000.pdf"
"""The HTML part's PDF in the work folder."""


class HtmlPart:
    """The WeasyPrint half of the dossier: templates and styles; the HTML part laid out here, the chapters apart by `layouter`."""

    def __init__(
        self,
        assessment: Assessment,
        project: Project,
        families: tuple[str, ...],
        plan: AppendixPlan,
        include_evidence: bool,
        manifest: Manifest | None,
        workdir: Path,
        parts_folder: Path,
    ):
        """`families`: the installed CJK fonts; `workdir`: where documents not cached are written; `parts_folder`: the parts cache."""
        self.assessment = assessment
        self.plan = plan
        self.include_evidence = include_evidence
        self.manifest = manifest
        self.workdir = workdir
        self.environment = template_environment(project)
        generated_css = font_css(families) + verdict_css()
        styles = Styles(project.root, project.path("templates") / TEMPLATE_FOLDER, template_css(project), generated_css)
        self.layout = Layout(styles)
        self.kind = "full" if include_evidence else "light"
        """Which dossier this is, for the layout guesses and the parts cache kept per kind."""
        self.parts_cache = PartsCache(parts_folder, style_key(project, generated_css))
        self.figures = chart_urls(assessment)
        continued_rows = rows_continued(assessment)
        self.continues = continued_rows > 0
        self.chapters = back_chapters(include_evidence, manifest, self.continues)
        rows_apart = continued_rows + (len(manifest.files) if manifest is not None else 0)
        self.layouter = Layouter(styles, self.layout, parallel=rows_apart >= PARALLEL_ROWS)

    @property
    def numbered(self) -> bool:
        """Whether the HTML part prints page numbers of pages after it (and so must know its own page count)."""
        return bool(self.plan.embedded) or self.manifest is not None or self.continues

    @property
    def parallel(self) -> bool:
        """Whether the chapters apart are laid out by a worker process while this one lays out the HTML part."""
        return self.layouter.parallel

    def front_cached(self, start: int, continued_pages: int) -> bool:
        """Whether the HTML part with these page numbers is in the parts cache (laid out by an earlier build)."""
        return self.parts_cache.get(self.front_html(start, continued_pages), "") is not None

    def write_front(self, start: int, continued_pages: int, keep: Keep) -> Written:
        """The HTML part, with the appendix from page `start` and `continued_pages` of continued tables after it; written (and cached) only if `keep` accepts its page count."""
        return lay_out_document(self.layout, self.parts_cache, self.front_html(start, continued_pages), None, self.workdir / FRONT_FILE, keep)

    def write_continued(self, start: int, write: bool = True) -> Pending:
        """佐证材料表（续）: the evidence rows past the sections' own, after the appendix (appendix from page `start`); with write=False, only counted."""
        heading = self.chapters.get("continued")
        if heading is None:
            return Pending(Written())
        return self._part("continued", self.continued_html(start), heading, start + self.plan.total_pages, write)

    def write_manifest(self, start: int, continued_pages: int) -> Pending:
        """佐证材料清单, batch by batch, after the appendix (from page `start`) and `continued_pages` of continued tables."""
        heading = self.chapters.get("manifest")
        if heading is None or self.manifest is None:
            return Pending(Written())
        return self._part("manifest", self.manifest_html(), heading, start + self.plan.total_pages + continued_pages)

    def front_html(self, start: int, continued_pages: int) -> str:
        """The HTML part's document (cover to the evidence chapter)."""
        context = dossier_context(self.assessment, self.plan, start, self.include_evidence, self.figures, self.manifest, continued_pages)
        return render_template(self.environment, HTML_TEMPLATE, context)

    def continued_html(self, start: int) -> tuple[str, ...]:
        """The continued tables' documents, one per batch (none when every indicator's evidence fits in its section)."""
        heading = self.chapters.get("continued")
        if heading is None:
            return ()
        contexts = continued_contexts(self.assessment, self.plan, start, self.include_evidence, heading)
        return tuple(render_template(self.environment, CONTINUED_TEMPLATE, context) for context in contexts)

    def manifest_html(self) -> tuple[str, ...]:
        """The manifest's documents, one per batch (none without a manifest)."""
        heading = self.chapters.get("manifest")
        if heading is None or self.manifest is None:
            return ()
        return tuple(render_template(self.environment, MANIFEST_TEMPLATE, context) for context in manifest_contexts(self.manifest, heading))

    def _part(self, name: str, batches: tuple[str, ...], heading: str, first_page: int, write: bool = True) -> Pending:
        """A chapter laid out apart, from page `first_page` on: its running headers and page numbers are set in CSS."""
        job = PartJob(name, batches, self.assessment.district, heading, first_page, self.workdir, self.parts_cache, write)
        return self.layouter.part(job)
