"""The evidence appendix: real PDFs and photos framed on A4, stamped, downscaled when oversized."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from docx import Document as WordDocument
from PIL import Image, ImageDraw

from assess.evidence.model import EvidenceFile, Flag
from assess.render.dossier import appendix, convert
from assess.render.dossier.assemble import add_appendix_pages, finish_dossier
from assess.render.dossier.evidence import EvidencePages, log_unreadable
from assess.render.dossier.fonts import build_stamp_font
from assess.render.dossier.geometry import A4, SIDE
from assess.render.dossier.images import image_frames
from assess.render.dossier.plan import AppendixPlan, Placement, plan_appendix
from assess.render.dossier.reuse import document_id
from assess.render.dossier.stamps import STAMP_SIZE, fit_heading, stamp_texts

# --- evidence files a liaison would drop into evidence/ ------------------------------------


def make_pdf(path: Path, pages: int, label: str, size: tuple[float, float] = (595, 842)) -> Path:
    """A PDF whose page k says `label-PAGE-k` in Helvetica (extractable, so tests can find it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica))
    for k in range(1, pages + 1):
        page = pdf.add_blank_page(page_size=size)
        page.add_resource(font, pikepdf.Name.Font, pikepdf.Name("/F1"))
        page.contents_add(pdf.make_stream(f"BT /F1 20 Tf 60 {size[1] / 2:.0f} Td ({label}-PAGE-{k}) Tj ET".encode()))
    pdf.save(path)
    return path


def make_jpeg(path: Path, size: tuple[int, int], orientation: int = 1, dpi: int = 72) -> Path:
    """A photo with a dark band along its top edge (to see where 'up' ends up)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", size, (240, 200, 120))
    ImageDraw.Draw(image).rectangle((0, 0, size[0], size[1] // 10), fill=(20, 20, 90))
    exif = image.getexif()
    exif[0x0112] = orientation
    image.save(path, "JPEG", quality=85, exif=exif, dpi=(dpi, dpi))
    return path


def make_png(path: Path, size: tuple[int, int] = (800, 600)) -> Path:
    """A screenshot-like PNG with transparency."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGBA", size, (0, 120, 60, 200)).save(path)
    return path


def make_docx(path: Path) -> Path:
    """A Word file (the minutes of a meeting)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = WordDocument()
    document.add_paragraph("会议纪要：研究部署中医药工作")
    document.save(path)
    return path


def evidence_file(root: Path, path: Path, kind: str, pages: int | None = 1, flags: list[Flag] | None = None) -> EvidenceFile:
    """The index entry of a real file under `root` (evidence/)."""
    data = path.read_bytes()
    return EvidenceFile(
        path=path.relative_to(root).as_posix(),
        indicator_id=None,
        size=len(data),
        mtime=path.stat().st_mtime,
        sha256=hashlib.sha256(data).hexdigest(),
        kind=kind,
        pages=pages,
        flags=flags or [],
    )


def placement(root: Path, file: EvidenceFile, offset: int = 0, title: str = "纳入国民经济和社会发展规划") -> Placement:
    """A placement of `file` under indicator （一）1, as plan_appendix makes it."""
    kind = "pdf" if file.kind == "pdf" else "image"
    return Placement("org-1", "（一）1", title, file, source=root / file.path, within=root, kind=kind, pages=file.pages or 1, offset=offset)


def build(plan: AppendixPlan, tmp_path: Path, max_dpi: int = 150, back_pages: dict[str, int] | None = None) -> Path:
    """One blank page, then the plan's pages stamped, as the dossier assembles them; return the PDF."""
    target = tmp_path / "appendix.pdf"
    return finish(appendix.write_evidence(plan, target, max_dpi), plan, target, back_pages)


def finish(evidence: EvidencePages, plan: AppendixPlan, target: Path, back_pages: dict[str, int] | None = None) -> Path:
    """Append to `target` a blank first page and the stamped appendix pages drawing `evidence`, as assemble does."""
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=A4)
        written = add_appendix_pages(pdf, plan, evidence, back_pages or {})
        finish_dossier(pdf, evidence, written, target, bytes(range(16)))
    return target


def page_images(page: pikepdf.Page) -> list[pikepdf.Stream]:
    """The images drawn on a page, found through the Form XObjects that frame the evidence."""
    found = []
    pending = [page.obj]
    while pending:
        resources = pending.pop().get("/Resources", {})
        for xobject in resources.get("/XObject", {}).values():
            if xobject.get("/Subtype") == "/Image":
                found.append(xobject)
            elif xobject.get("/Subtype") == "/Form":
                pending.append(xobject)
    return found


def image_sizes(pdf_path: Path, page: int) -> list[tuple[int, int]]:
    """Pixel sizes of the images drawn on one page (0-based)."""
    with pikepdf.open(pdf_path) as pdf:
        return [(int(image.Width), int(image.Height)) for image in page_images(pdf.pages[page])]


# --- tests -------------------------------------------------------------------------------


def test_pdf_pages_are_copied_with_a_stamp_and_footer(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    file = evidence_file(root, make_pdf(root / "（一）1/规划文本.pdf", 2, "PLAN"), "pdf", pages=2)
    target = build(AppendixPlan([placement(root, file)]), tmp_path)
    with pdfplumber.open(target) as pdf:
        assert len(pdf.pages) == 3
        second = pdf.pages[2].extract_text()
    assert "PLAN-PAGE-2" in second
    assert "（一）1 纳入国民经济和社会发展规划｜规划文本.pdf" in second
    assert "第2页/共2页" in second
    assert "— 3 —" in second


def test_pdf_pages_are_not_rasterised(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    file = evidence_file(root, make_pdf(root / "a.pdf", 1, "VECTOR"), "pdf")
    target = build(AppendixPlan([placement(root, file)]), tmp_path)
    assert image_sizes(target, 1) == []


def test_landscape_pages_get_a_landscape_frame(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    file = evidence_file(root, make_pdf(root / "wide.pdf", 1, "WIDE", size=(842, 595)), "pdf")
    target = build(AppendixPlan([placement(root, file)]), tmp_path)
    with pikepdf.open(target) as pdf:
        box = pdf.pages[1].mediabox
        assert float(box[2]) > float(box[3])


def test_a_jpeg_within_max_dpi_passes_through_unchanged(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    photo = make_jpeg(root / "photo.jpg", (1000, 750))
    file = evidence_file(root, photo, "jpeg")
    target = build(AppendixPlan([placement(root, file)]), tmp_path)
    with pikepdf.open(target) as pdf:
        [image] = page_images(pdf.pages[1])
        assert image.Filter == "/DCTDecode"
        assert image.read_raw_bytes() == photo.read_bytes()


def test_an_oversized_scan_is_downscaled_to_max_dpi(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    file = evidence_file(root, make_jpeg(root / "scan.jpg", (4960, 7016), dpi=600), "jpeg")
    target = build(AppendixPlan([placement(root, file)]), tmp_path, max_dpi=150)
    [(width, height)] = image_sizes(target, 1)
    content_width_inches = (A4[0] - 2 * SIDE) / 72
    assert width == pytest.approx(content_width_inches * 150, rel=0.03)
    assert height / width == pytest.approx(7016 / 4960, rel=0.01)
    assert target.stat().st_size < file.size / 4


def test_a_lower_max_dpi_gives_a_smaller_appendix(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    file = evidence_file(root, make_jpeg(root / "scan.jpg", (2480, 3508)), "jpeg")
    plan = AppendixPlan([placement(root, file)])
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    sharp = build(plan, tmp_path / "a", max_dpi=300)
    light = build(plan, tmp_path / "b", max_dpi=75)
    assert image_sizes(light, 1)[0][0] < image_sizes(sharp, 1)[0][0] / 2


def test_a_rotated_phone_photo_is_shown_upright(tmp_path: Path) -> None:
    """EXIF orientation 6 (camera held upright): the landscape pixels become a portrait page."""
    root = tmp_path / "evidence"
    file = evidence_file(root, make_jpeg(root / "phone.jpg", (4000, 3000), orientation=6), "jpeg")
    target = build(AppendixPlan([placement(root, file)]), tmp_path)
    with pikepdf.open(target) as pdf:
        box = pdf.pages[1].mediabox
        assert float(box[3]) > float(box[2])
    [(width, height)] = image_sizes(target, 1)
    assert height > width


def test_a_transparent_png_is_embedded(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    file = evidence_file(root, make_png(root / "shot.png"), "png")
    target = build(AppendixPlan([placement(root, file)]), tmp_path)
    assert (800, 600) in image_sizes(target, 1)


def test_an_unreadable_file_gets_placeholder_pages_saying_why(tmp_path: Path, caplog) -> None:
    """The index thought it fine but it is not a PDF: page numbers stay right, the page says why."""
    root = tmp_path / "evidence"
    broken = root / "坏文件.pdf"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"%PDF-1.4 this is not really a pdf")
    good = evidence_file(root, make_pdf(root / "好文件.pdf", 1, "GOOD"), "pdf")
    plan = AppendixPlan([placement(root, evidence_file(root, broken, "pdf", pages=2)), placement(root, good, offset=2)])
    target = build(plan, tmp_path)
    with pdfplumber.open(target) as pdf:
        texts = [page.extract_text() for page in pdf.pages]
    assert len(texts) == 4
    assert "无法读取" in texts[1] and "坏文件.pdf" in texts[1] and "第2页/共2页" in texts[2]
    assert "GOOD-PAGE-1" in texts[3]
    log_unreadable(plan, appendix.write_evidence(plan, tmp_path / "dossier.pdf", 150))
    assert "坏文件.pdf：此文件无法读取" in caplog.text


def test_the_stamp_header_links_back_to_the_indicator(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    file = evidence_file(root, make_pdf(root / "a.pdf", 1, "A"), "pdf")
    target = build(AppendixPlan([placement(root, file)]), tmp_path, back_pages={"org-1": 0})
    with pikepdf.open(target) as pdf:
        [link] = pdf.pages[1].Annots
        assert link.Dest[0].objgen == pdf.pages[0].obj.objgen


def test_long_file_names_are_shortened_in_the_middle_keeping_the_extension() -> None:
    name = "关于印发回民区创建全国基层中医药工作示范县区工作方案及职责分工的通知附件三会议签到表扫描件.pdf"
    font = build_stamp_font(["（一）1 纳入规划｜…" + name])
    text = fit_heading(font, "（一）1 纳入规划", name, 300)
    assert font.width(text, STAMP_SIZE) <= 300
    assert text.startswith("（一）1 纳入规划｜关于") and text.endswith("扫描件.pdf") and "…" in text


def test_characters_the_font_lacks_are_drawn_as_boxes_not_blanks() -> None:
    font = build_stamp_font(["材料𪚥.pdf"])
    assert font.usable("材料𪚥.pdf") == "材料□.pdf"
    assert set(font.encode("材料𪚥.pdf")[1:-1].decode()) <= set("0123456789abcdef")


def test_plan_appends_usable_files_and_explains_the_rest(tmp_path: Path, sample_assessment, monkeypatch) -> None:
    monkeypatch.setattr(convert, "office_converter", lambda: None)
    root = tmp_path / "evidence"
    pdf = evidence_file(root, make_pdf(root / "a/规划.pdf", 2, "P"), "pdf", pages=2)
    copy = evidence_file(root, make_pdf(root / "b/规划（副本）.pdf", 2, "P"), "pdf", pages=2)
    word = evidence_file(root, make_docx(root / "a/纪要.docx"), "docx", pages=None)
    corrupt = evidence_file(root, make_pdf(root / "a/坏.pdf", 1, "X"), "pdf", flags=[Flag(code="corrupt", message="PDF 文件已损坏，无法打开")])
    video = evidence_file(root, make_pdf(root / "a/录像.mp4", 1, "V"), "video", pages=None)
    first, second = sample_assessment.indicators[:2]
    assessment = sample_assessment.model_copy(
        update={
            "indicators": [
                first.model_copy(update={"evidence": [pdf, word, corrupt, video]}),
                second.model_copy(update={"evidence": [copy]}),
            ]
        }
    )
    plan = plan_appendix(assessment, root, tmp_path / "work")
    by_path = {p.file.path: p for p in plan.placements}
    assert [p.file.path for p in plan.embedded] == ["a/规划.pdf"]
    assert plan.total_pages == 2
    assert by_path["b/规划（副本）.pdf"].page_range(10) == (10, 11)
    assert "LibreOffice" in by_path["a/纪要.docx"].note
    assert by_path["a/坏.pdf"].note == "PDF 文件已损坏，无法打开"
    assert "video" in by_path["a/录像.mp4"].note


BROKEN = "dead" * 16
SLOW = "5104" * 16
"""Content hashes the stand-in soffice fails on or is slow with (it sees copies named by content hash)."""


def _fake_soffice(tmp_path: Path, monkeypatch) -> Path:
    """A stand-in `soffice` on PATH that checks our command line, writes a 3-page PDF per input and logs each run's inputs."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "soffice"
    log = tmp_path / "soffice-runs.txt"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import sys, pathlib, pikepdf\n"
        "args = sys.argv[1:]\n"
        "assert '--headless' in args and args[args.index('--convert-to') + 1] == 'pdf'\n"
        "assert args[0].startswith('-env:UserInstallation=file://')\n"
        "out = pathlib.Path(args[args.index('--outdir') + 1])\n"
        "sources = [pathlib.Path(a) for a in args[args.index('--outdir') + 2:]]\n"
        f"open({str(log)!r}, 'a').write(' '.join(map(str, sources)) + '\\n')\n"
        "for source in sources:\n"
        f"    if source.stem == {SLOW!r}: __import__('time').sleep(10)\n"
        f"    if source.stem == {BROKEN!r}: continue\n"
        "    pdf = pikepdf.new(); [pdf.add_blank_page() for _ in range(3)]; pdf.save(out / (source.stem + '.pdf'))\n",
        encoding="utf-8",
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return log


def _with_evidence(sample_assessment, files: list[EvidenceFile]):
    first = sample_assessment.indicators[0]
    return sample_assessment.model_copy(update={"indicators": [first.model_copy(update={"evidence": files})]})


def test_office_files_go_through_soffice_when_it_is_installed(tmp_path: Path, sample_assessment, monkeypatch) -> None:
    """A stand-in `soffice` checks our side of the contract: one run, the command line, the output PDFs."""
    log = _fake_soffice(tmp_path, monkeypatch)
    root = tmp_path / "evidence"
    files = [
        evidence_file(root, make_docx(root / "a/纪要.docx"), "docx", pages=None),
        evidence_file(root, make_docx(root / "b/纪要.docx"), "docx", pages=None),
        evidence_file(root, make_docx(root / "c/broken.docx"), "docx", pages=None),
    ]
    files[1] = files[1].model_copy(update={"sha256": "b" * 64})
    files[2] = files[2].model_copy(update={"sha256": BROKEN})
    plan = plan_appendix(_with_evidence(sample_assessment, files), root, tmp_path / "cache")
    assert [p.pages for p in plan.embedded] == [3, 3]
    assert all(not p.source.is_relative_to(root) for p in plan.embedded)
    assert "转换失败" in plan.placements[2].note
    [run] = log.read_text().splitlines()  # one run, though two inputs are named 纪要.docx
    inputs = [Path(name) for name in run.split()]
    assert len(inputs) == 3 and not any(path.is_relative_to(root) for path in inputs)  # LibreOffice only sees copies
    assert not (tmp_path / "cache" / "staged").exists()


def test_office_conversions_are_reused_while_the_content_is_unchanged(tmp_path: Path, sample_assessment, monkeypatch) -> None:
    log = _fake_soffice(tmp_path, monkeypatch)
    root = tmp_path / "evidence"
    word = evidence_file(root, make_docx(root / "纪要.docx"), "docx", pages=None)
    assessment = _with_evidence(sample_assessment, [word])
    for _ in range(2):
        [converted] = plan_appendix(assessment, root, tmp_path / "cache").embedded
    assert converted.pages == 3 and len(log.read_text().splitlines()) == 1
    plan_appendix(_with_evidence(sample_assessment, []), root, tmp_path / "cache")
    assert not converted.source.exists()  # the file left the evidence: its conversion is dropped


def test_a_conversion_that_times_out_is_tried_again_next_time(tmp_path: Path, sample_assessment, monkeypatch, caplog) -> None:
    _fake_soffice(tmp_path, monkeypatch)
    monkeypatch.setattr(convert, "OFFICE_TIMEOUT", 1)
    monkeypatch.setattr(convert, "OFFICE_TIMEOUT_PER_FILE", 0)
    root = tmp_path / "evidence"
    word = evidence_file(root, make_docx(root / "slow.docx"), "docx", pages=None).model_copy(update={"sha256": SLOW})
    [placement] = plan_appendix(_with_evidence(sample_assessment, [word]), root, tmp_path / "cache").placements
    assert "转换失败" in placement.note and "超时" in caplog.text
    assert not (tmp_path / "cache" / "failed" / word.sha256).exists()


@pytest.mark.skipif(convert.office_converter() is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_converts_a_real_word_file(tmp_path: Path) -> None:
    source = make_docx(tmp_path / "evidence" / "纪要.docx")
    converted = convert.convert_office([source], tmp_path / "out", tmp_path / "profile")
    with pdfplumber.open(converted[source]) as pdf:
        assert "会议纪要" in pdf.pages[0].extract_text()


def test_evidence_files_are_never_modified(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    files = [
        evidence_file(root, make_pdf(root / "a.pdf", 2, "A"), "pdf", pages=2),
        evidence_file(root, make_jpeg(root / "b.jpg", (3000, 4000)), "jpeg"),
    ]
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in root.rglob("*") if p.is_file()}
    build(AppendixPlan([placement(root, files[0]), placement(root, files[1], offset=2)]), tmp_path)
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in root.rglob("*") if p.is_file()}
    assert after == before


def test_the_written_dossier_is_a_valid_pdf_holding_shared_objects_once(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    files = [evidence_file(root, make_pdf(root / f"{n}.pdf", 3, f"F{n}"), "pdf", pages=3) for n in range(2)]
    photo = make_jpeg(root / "photo.jpg", (1200, 900))
    files.append(evidence_file(root, photo, "jpeg"))
    plan = AppendixPlan([placement(root, f, offset=3 * n) for n, f in enumerate(files)])
    target = build(plan, tmp_path)
    with pikepdf.open(target) as pdf:
        assert pdf.check_pdf_syntax() == []
        fonts = {page.Resources.XObject.Evidence.Resources.Font.F1.objgen for page in pdf.pages[1:7]}
        assert len(pdf.pages) == 8 and len(fonts) == 2  # one font per source PDF, shared by its 3 pages
    with pdfplumber.open(target) as pdf:
        assert [f"F{n // 3}-PAGE-{n % 3 + 1}" in pdf.pages[n + 1].extract_text() for n in range(6)] == [True] * 6
    check = subprocess.run(["qpdf", "--check", str(target)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_image_frames_reads_only_what_it_needs(tmp_path: Path) -> None:
    """A small photo is handed to img2pdf as the file itself (no decoding, no re-encoding)."""
    photo = make_jpeg(tmp_path / "small.jpg", (800, 600))
    with photo.open("rb") as handle:
        assert image_frames(handle, 150) == [photo.read_bytes()]
    big = make_jpeg(tmp_path / "big.jpg", (6000, 4500))
    with big.open("rb") as handle:
        [frame] = image_frames(handle, 150)
    assert isinstance(frame, bytes) and Image.open(io.BytesIO(frame)).format == "JPEG"


def test_a_large_appendix_is_written_by_a_second_process(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(appendix, "PARALLEL_PAGES", 1)
    root = tmp_path / "evidence"
    files = [evidence_file(root, make_pdf(root / f"{n}.pdf", 2, f"F{n}"), "pdf", pages=2) for n in range(3)]
    plan = AppendixPlan([placement(root, f, offset=2 * n) for n, f in enumerate(files)])
    target = tmp_path / "dossier.pdf"
    with appendix.appendix_writer(plan, target, 150) as wait:
        evidence = wait()
    assert len(evidence.frames) == 6 and evidence.unreadable == {}
    assert target.stat().st_size == evidence.objects.size
    with pdfplumber.open(finish(evidence, plan, target)) as pdf:
        assert "F2-PAGE-2" in pdf.pages[6].extract_text()


def test_a_rotated_pdf_page_is_framed_as_it_is_displayed(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    path = make_pdf(root / "rotated.pdf", 1, "TURNED")
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        pdf.pages[0].rotate(90, relative=False)
        pdf.save(path)
    target = build(AppendixPlan([placement(root, evidence_file(root, path, "pdf"))]), tmp_path)
    with pikepdf.open(target) as pdf:
        box = pdf.pages[1].mediabox
        assert float(box[2]) > float(box[3])


def test_printable_annotations_such_as_seals_are_kept(tmp_path: Path) -> None:
    """An electronic seal is often an annotation; framing a page must not drop it."""
    root = tmp_path / "evidence"
    path = make_pdf(root / "sealed.pdf", 1, "LETTER")
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        page = pdf.pages[0]
        font = page.Resources.Font.F1
        appearance = pikepdf.Stream(
            pdf,
            b"BT /F1 18 Tf 5 10 Td (SEAL-MARK) Tj ET",
            Type=pikepdf.Name.XObject,
            Subtype=pikepdf.Name.Form,
            BBox=[0, 0, 150, 40],
            Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
        )
        seal = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Stamp, Rect=[400, 100, 550, 140], F=4,
            AP=pikepdf.Dictionary(N=appearance),
        )
        page.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(seal)]))
        pdf.save(path)
    target = build(AppendixPlan([placement(root, evidence_file(root, path, "pdf"))]), tmp_path)
    with pdfplumber.open(target) as pdf:
        assert "SEAL-MARK" in pdf.pages[1].extract_text()


def test_the_dossier_carries_the_document_id_it_was_given(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    file = evidence_file(root, make_pdf(root / "a.pdf", 1, "ID"), "pdf")
    target = build(AppendixPlan([placement(root, file)]), tmp_path)
    with pikepdf.open(target) as pdf:
        assert bytes(pdf.trailer.ID[1]) == bytes(range(16))


def test_the_document_id_changes_with_evidence_content_not_with_time(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    html_part = make_pdf(tmp_path / "html.pdf", 1, "HTML")
    path = make_pdf(root / "a.pdf", 1, "FIRST")
    evidence = EvidencePages()

    def current_id() -> bytes:
        return document_id([html_part], AppendixPlan([placement(root, evidence_file(root, path, "pdf"))]), evidence, 150)

    first = current_id()
    assert current_id() == first
    make_pdf(path, 1, "OTHER")
    assert current_id() != first


def test_the_stamp_font_draws_every_page_number(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    file = evidence_file(root, make_pdf(root / "a.pdf", 1, "N"), "pdf")
    font = build_stamp_font(stamp_texts(AppendixPlan([placement(root, file)])))
    assert font.usable("— 1234567890 —") == "— 1234567890 —"
    assert font.usable("第12页/共345页") == "第12页/共345页"
