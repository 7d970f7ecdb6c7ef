"""A synthetic district, generated deterministically from a seed, for measuring `assess` at real scale.

Every file depends only on (seed, its index), never on the scale, so a 2× district is the 1×
district plus more files: it reuses them by hard link instead of drawing them again. A stamp file
records the parameters, so an unchanged district (about 1 GB at 1×) is reused between runs.
"""

from __future__ import annotations

import calendar
import functools
import hashlib
import io
import json
import os
import random
import shutil
import textwrap
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import img2pdf
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from assess.config.project import Project, load_project
from assess.config.standard import Indicator
from assess.evidence.folders import folder_name
from assess.render.fonts import cjk_font_file

GENERATOR_VERSION = 2
STAMP_NAME = "bench-district.json"
CONFIG_ITEMS = ("assess.yaml", "standards", "data", "templates")
A4_INCHES = (8.27, 11.69)
WINDOWS_ILLEGAL = str.maketrans("", "", '<>:"/\\|?*')
"""Characters a liaison's Windows machine would refuse in a file name."""
FIRST_DAY = date(2023, 6, 1)
LAST_DAY = date(2024, 6, 30)


@dataclass(frozen=True)
class Shape:
    """What a district at scale 1 looks like; tests shrink the pages, the harness keeps the defaults."""

    files: int = 1000
    pdf_share: float = 0.2
    pdf_pages: tuple[int, int] = (2, 20)
    dpi: tuple[int, int] = (150, 200)
    department_folder_share: float = 0.3


@dataclass(frozen=True)
class FileSpec:
    """One evidence file to draw: where it goes, what it is, and the seed of its pixels."""

    index: int
    path: str
    kind: str
    pages: int
    dpi: int
    day: date
    indicator_id: str
    department: str
    heading: str
    body: str


@dataclass(frozen=True)
class District:
    """A generated district: its folder and what it holds."""

    root: Path
    seed: int
    scale: float
    files: int
    images: int
    pdfs: int
    pages: int
    bytes: int
    reused: bool

    def summary(self) -> dict:
        """The district's figures for results.json."""
        data = asdict(self)
        data["root"] = str(self.root)
        return data


def file_count(shape: Shape, scale: float) -> int:
    """How many evidence files a district of this scale holds (at least one)."""
    return max(1, round(shape.files * scale))


def plan(project: Project, seed: int, count: int, shape: Shape = Shape()) -> list[FileSpec]:
    """The first `count` files of the district; file i is the same whatever `count` is."""
    indicators = project.standard.indicators
    weights = [random.Random(f"{seed}:weight:{i.id}").lognormvariate(0, 0.8) for i in indicators]
    return [_spec(project, seed, index, indicators, weights, shape) for index in range(count)]


def _spec(project: Project, seed: int, index: int, indicators, weights, shape: Shape) -> FileSpec:
    """Draw file `index` from its own random stream: the first pass covers every indicator once."""
    rng = random.Random(f"{seed}:file:{index}")
    indicator = indicators[index] if index < len(indicators) else rng.choices(indicators, weights)[0]
    is_pdf = rng.random() < shape.pdf_share
    day = FIRST_DAY + timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days + 1))
    department = (indicator.departments.lead or ["区卫健委"])[0]
    folder = folder_name(indicator)
    if rng.random() < shape.department_folder_share:
        folder = f"{folder}/{department}"
    kind = "pdf" if is_pdf else "jpeg"
    name = _file_name(rng, kind, indicator, department, day, index)
    return FileSpec(
        index=index,
        path=f"{folder}/{name}",
        kind=kind,
        pages=rng.randint(*shape.pdf_pages) if is_pdf else 1,
        dpi=rng.randint(*shape.dpi),
        day=day,
        indicator_id=indicator.id,
        department=department,
        heading=f"{department}关于{indicator.title}的材料",
        body=indicator.requirement + "".join(f"附：{item}。" for item in indicator.evidence),
    )


def _file_name(rng: random.Random, kind: str, indicator: Indicator, department: str, day: date, index: int) -> str:
    """A file name the way liaisons write them: dates in several formats, 文号, scanner names."""
    title = indicator.title.translate(WINDOWS_ILLEGAL)
    ymd = f"{day:%Y%m%d}"
    if kind == "pdf":
        choices = [
            f"{department}关于{title}的通知（{day.year}年{day.month}月{day.day}日）{index}.pdf",
            f"回卫健发〔{day.year}〕{index}号 {title}实施方案 {day:%Y-%m-%d}.pdf",
            f"{title}会议纪要_{ymd}_{index}.pdf",
            f"{title}工作总结（{day.year}.{day.month}）第{index}份.pdf",
        ]
    else:
        choices = [
            f"{title}会议照片_{ymd}_{index}.jpg",
            f"IMG_{ymd}_{index:06d}.jpg",
            f"{title}现场检查（{day.year}年{day.month}月{day.day}日）{index}.jpg",
            f"扫描件{ymd}{index:04d}.jpg",
        ]
    return rng.choice(choices)


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    """The CJK font at one pixel size (loaded once per process)."""
    return ImageFont.truetype(str(cjk_font_file("Noto Serif CJK SC")), size)


def draw_page(spec: FileSpec, page: int, seed: int) -> bytes:
    """One scan-like A4 page as JPEG: paper noise, a red letterhead, body text, a red seal."""
    dpi = spec.dpi
    width, height = round(A4_INCHES[0] * dpi), round(A4_INCHES[1] * dpi)
    noise = np.random.default_rng([seed, spec.index, page]).normal(238, 4, (height // 2, width // 2, 1))
    paper = (noise * np.array([1.0, 0.995, 0.965])).clip(0, 255).astype(np.uint8)
    image = Image.fromarray(paper, "RGB").resize((width, height), Image.BILINEAR)
    pen = ImageDraw.Draw(image)
    margin, size = dpi, max(8, round(dpi * 0.15))
    if page == 0:
        pen.text((width // 2, margin), "回民区卫生健康委员会文件", fill=(200, 30, 30), font=_font(size * 2), anchor="mt")
        pen.line((margin, margin + size * 3, width - margin, margin + size * 3), fill=(200, 30, 30), width=max(1, dpi // 50))
    pen.text((margin, margin + size * 4), f"{spec.heading}（第{page + 1}页）", fill=(30, 30, 30), font=_font(round(size * 1.3)))
    columns = max(10, (width - 2 * margin) // size)
    y = margin + size * 6
    for line in textwrap.wrap(spec.body * 5, columns):
        if y > height - margin * 2:
            break
        pen.text((margin, y), line, fill=(40, 40, 40), font=_font(size))
        y += round(size * 1.8)
    seal = (width - margin * 3, height - margin * 3, width - margin, height - margin)
    pen.ellipse(seal, outline=(210, 40, 40), width=max(2, dpi // 40))
    pen.text(((seal[0] + seal[2]) // 2, (seal[1] + seal[3]) // 2), spec.department, fill=(210, 40, 40), font=_font(size), anchor="mm")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=75, dpi=(dpi, dpi), exif=_exif(spec))
    return out.getvalue()


def _exif(spec: FileSpec) -> Image.Exif:
    """EXIF dates as a scanner writes them, so the index can date a file without a date in its name."""
    exif = Image.Exif()
    stamp = f"{spec.day:%Y:%m:%d} 10:{spec.index % 60:02d}:00"
    exif[0x0132] = stamp
    exif.get_ifd(0x8769)[0x9003] = stamp
    return exif


def write_file(spec: FileSpec, seed: int, evidence: Path) -> int:
    """Draw one evidence file, write it and give it a fixed mtime; return its size in bytes."""
    pages = [draw_page(spec, page, seed) for page in range(spec.pages)]
    moment = datetime(spec.day.year, spec.day.month, spec.day.day, 10, spec.index % 60)
    if spec.kind == "pdf":
        data = img2pdf.convert(
            pages, title=spec.heading, author=spec.department, creationdate=moment, moddate=moment, engine=img2pdf.Engine.internal
        )
    else:
        data = pages[0]
    target = evidence / spec.path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    timestamp = calendar.timegm(moment.timetuple())
    os.utime(target, (timestamp, timestamp))
    return len(data)


def _write_task(args: tuple[FileSpec, int, Path, Path | None]) -> int:
    """Worker: link the file from an identical earlier district when possible, else draw it."""
    spec, seed, evidence, reuse = args
    if reuse is not None and (reuse / spec.path).is_file():
        target = evidence / spec.path
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(reuse / spec.path, target)
        return target.stat().st_size
    return write_file(spec, seed, evidence)


def stamp_for(project: Project, seed: int, scale: float, shape: Shape) -> dict:
    """The parameters a generated district depends on; equal stamps mean identical evidence."""
    standard = (project.root / project.config.standard).read_bytes()
    stamp = {
        "generator": GENERATOR_VERSION,
        "seed": seed,
        "files": file_count(shape, scale),
        "shape": asdict(shape),
        "standard_sha256": hashlib.sha256(standard).hexdigest(),
    }
    return json.loads(json.dumps(stamp))


def read_stamp(root: Path) -> dict | None:
    """The stamp of a generated district, or None when there is none (or it is unreadable)."""
    try:
        return json.loads((root / STAMP_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def generate(
    root: Path,
    *,
    seed: int,
    scale: float,
    repo: Path,
    shape: Shape = Shape(),
    reuse: Path | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> District:
    """Make (or reuse) the district at `root`; `reuse` is another district whose files may be linked."""
    template = load_project(repo)
    stamp = stamp_for(template, seed, scale, shape)
    old = read_stamp(root)
    if old is not None and {k: old.get(k) for k in stamp} == stamp and _intact(root, old):
        copy_config(repo, root)
        return _district(root, seed, scale, old, reused=True)
    specs = plan(template, seed, stamp["files"], shape)
    partial = root.with_name(root.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    (partial / "evidence").mkdir(parents=True)
    linkable = _linkable(reuse, stamp)
    tasks = [(spec, seed, partial / "evidence", linkable) for spec in specs]
    sizes = []
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count()) as pool:
        for size in pool.map(_write_task, tasks, chunksize=4):
            sizes.append(size)
            if progress:
                progress(len(sizes), len(tasks))
    figures = {
        **stamp,
        "scale": scale,
        "images": sum(1 for s in specs if s.kind == "jpeg"),
        "pdfs": sum(1 for s in specs if s.kind == "pdf"),
        "pages": sum(s.pages for s in specs),
        "bytes": sum(sizes),
    }
    (partial / STAMP_NAME).write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(root, ignore_errors=True)
    partial.rename(root)
    copy_config(repo, root)
    return _district(root, seed, scale, figures, reused=False)


def _intact(root: Path, figures: dict) -> bool:
    """The district still holds as many evidence files as it was generated with."""
    return sum(1 for p in (root / "evidence").rglob("*") if p.is_file()) == figures["files"]


def _linkable(reuse: Path | None, stamp: dict) -> Path | None:
    """Evidence folder of another district drawn with the same seed and generator, if any."""
    if reuse is None:
        return None
    other = read_stamp(reuse)
    same = other is not None and all(other.get(k) == stamp[k] for k in ("generator", "seed", "shape", "standard_sha256"))
    return reuse / "evidence" if same else None


def _district(root: Path, seed: int, scale: float, figures: dict, *, reused: bool) -> District:
    """A District from the figures recorded in its stamp."""
    return District(
        root=root,
        seed=seed,
        scale=scale,
        files=figures["files"],
        images=figures["images"],
        pdfs=figures["pdfs"],
        pages=figures["pages"],
        bytes=figures["bytes"],
        reused=reused,
    )


def copy_config(repo: Path, root: Path) -> None:
    """Refresh the project files (assess.yaml, standards/, data/, templates/) from the repository."""
    for item in CONFIG_ITEMS:
        source, target = repo / item, root / item
        if source.is_dir():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target)
        elif source.is_file():
            shutil.copy2(source, target)


def evidence_files(root: Path) -> Iterable[Path]:
    """Every file under the district's evidence/, in path order."""
    return sorted(p for p in (root / "evidence").rglob("*") if p.is_file())
