"""The dossier's templates and styles: the office's Jinja templates under templates/dossier, and the CSS computed here.

The templates are the office's to edit, so Jinja runs sandboxed with autoescape, and a mistake
in them becomes a Chinese message naming the file and line. Fonts and verdict colours depend on
this machine and on the charts, so their CSS is generated, not written in the template.
"""

from __future__ import annotations

import hashlib
import re

import weasyprint
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
)
from jinja2.sandbox import SandboxedEnvironment

from assess.config.project import Project
from assess.config.records import Verdict
from assess.errors import AssessError, display_path
from assess.render import charts
from assess.render.text import date_text

TEMPLATE_FOLDER = "dossier"
HTML_TEMPLATE = "dossier.html"
MANIFEST_TEMPLATE = "manifest.html"
CONTINUED_TEMPLATE = "continued.html"
CSS_TEMPLATE = "dossier.css"

FONT_STACKS = {
    "serif": ["Noto Serif CJK SC", "Source Han Serif SC", "Songti SC", "SimSun"],
    "sans": ["Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "SimHei"],
    "mono": ["Noto Sans Mono CJK SC", "Source Han Mono SC", "DejaVu Sans Mono", "Consolas"],
}
"""Preferred families for body text (宋体-like), headings (黑体-like) and checksums (fixed width); an installed CJK family is appended."""
GENERIC_FAMILIES = {"serif": "serif", "sans": "sans-serif", "mono": "monospace"}


class DossierTemplateProblem(AssessError):
    """The dossier's HTML/CSS template is missing or has a Jinja error."""

    def __init__(self, where: str, problem: str):
        super().__init__(f"PDF 模板 {where}：{problem}")


def template_environment(project: Project) -> Environment:
    """Sandboxed Jinja with autoescape over the project's templates/dossier folder (the office may edit it)."""
    folder = project.path("templates") / TEMPLATE_FOLDER
    if not (folder / HTML_TEMPLATE).is_file():
        where = display_path(folder / HTML_TEMPLATE, project.root)
        raise DossierTemplateProblem(where, "找不到该文件；请从示例项目复制 templates/dossier 文件夹")
    environment = SandboxedEnvironment(loader=FileSystemLoader(folder), autoescape=True, undefined=StrictUndefined)
    environment.filters["date_cn"] = date_text
    return environment


def template_css(project: Project) -> str:
    """The dossier stylesheet's text (read here, so it never goes through the fetcher)."""
    path = project.path("templates") / TEMPLATE_FOLDER / CSS_TEMPLATE
    if not path.is_file():
        raise DossierTemplateProblem(display_path(path, project.root), "找不到该文件；请从示例项目复制 templates/dossier 文件夹")
    return path.read_text(encoding="utf-8")


def render_template(environment: Environment, name: str, context: dict) -> str:
    """Fill the HTML template `name`; Jinja mistakes (or a missing template) become a Chinese message naming the file and line."""
    try:
        return environment.get_template(name).render(context)
    except TemplateNotFound as exc:
        raise DossierTemplateProblem(f"{TEMPLATE_FOLDER}/{name}", "找不到该文件；请从示例项目复制 templates/dossier 文件夹") from exc
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f"{TEMPLATE_FOLDER}/{name}" + (f":{line}" if line else "")
        raise DossierTemplateProblem(where, f"模板有错误（{exc}）") from exc


def font_css(families: tuple[str, ...]) -> str:
    """Font families for the body, headings and page-margin boxes (which do not inherit the body's)."""
    installed = [name for name in families if re.fullmatch(r"[\w .+-]+", name)]
    fallback = installed[:1]

    def stack(kind: str) -> str:
        return ", ".join(f'"{name}"' for name in [*FONT_STACKS[kind], *fallback]) + f", {GENERIC_FAMILIES[kind]}"

    margin_boxes = " ".join(
        f"@{box} {{ font-family: {stack('sans')}; }}" for box in ("top-left", "top-right", "top-center", "bottom-center")
    )
    return (
        f"html {{ font-family: {stack('serif')}; }}\n"
        f"h1, h2, h3, h4, th, .cover, .badge, .toc-1, .light-note, .outcome-not-met, .overdue-mark, td.overdue"
        f" {{ font-family: {stack('sans')}; }}\n"
        f".mono {{ font-family: {stack('mono')}; }}\n"
        f"@page {{ {margin_boxes} }}\n"
    )


def verdict_css() -> str:
    """Verdict badge colours, the same as the charts' and the workbook's."""
    return "".join(
        f".{verdict_class(verdict)} {{ border-color: {colour}; }} .{verdict_class(verdict)}::before {{ content: '■ '; color: {colour}; }}\n"
        for verdict, colour in charts.VERDICT_COLOURS.items()
    )


def verdict_class(verdict: Verdict) -> str:
    """CSS class of a verdict badge, e.g. verdict-not-met."""
    return "verdict-" + verdict.name.lower().replace("_", "-")


def style_key(project: Project, generated_css: str) -> str:
    """What a laid-out part depends on besides its HTML: the template folder (styles included), the fonts chosen, WeasyPrint."""
    digest = hashlib.sha256(f"{weasyprint.__version__}\0{generated_css}".encode())
    folder = project.path("templates") / TEMPLATE_FOLDER
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
