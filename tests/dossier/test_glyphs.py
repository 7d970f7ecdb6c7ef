"""Missing glyphs: a character no font has is drawn as .notdef yet extracts as itself, so check the fonts.

WeasyPrint gives such a character a glyph id past the font's last glyph (0xFFFF with Noto CJK)
and maps it to CID 0 in a custom encoding CMap; text extraction still returns the character
through ToUnicode. `missing_glyphs` resolves every drawn code to a glyph of the embedded font
program and reports the ones that have none.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pikepdf
from fontTools.cffLib import CFFFontSet
from fontTools.ttLib import TTFont
from weasyprint import HTML

from assess.render.dossier.layout import glyph_watch

RARE = "𪚥"
"""U+2A6A5, a CJK Extension B character the installed Noto CJK fonts do not draw."""


def missing_glyphs(path: Path) -> list[tuple[int, str, int]]:
    """(page number, font name, code) of every drawn code whose glyph the embedded font lacks."""
    found = []
    with pikepdf.open(path) as pdf:
        known: dict[tuple[int, int], tuple[dict[int, int] | None, set[int]]] = {}
        for number, page in enumerate(pdf.pages, start=1):
            for font, code in _drawn_codes(page.obj, page.obj.get("/Resources", pikepdf.Dictionary())):
                key = font.objgen
                if key not in known:
                    known[key] = (_encoding(font), _glyphs(font))
                encoding, glyphs = known[key]
                cid = code if encoding is None else encoding.get(code, 0)
                if cid == 0 or cid not in glyphs:
                    found.append((number, str(font.BaseFont), code))
    return found


def _drawn_codes(owner, resources):
    """(Type0 font, 2-byte code) of every glyph shown in a content stream and its Form XObjects."""
    fonts = resources.get("/Font", {})
    current = None
    for operands, operator in pikepdf.parse_content_stream(owner):
        name = str(operator)
        if name == "Tf":
            current = fonts.get(str(operands[0]))
        elif name in ("Tj", "TJ", "'", '"') and current is not None and current.get("/Subtype") == "/Type0":
            strings = operands[-1] if name != "TJ" else [item for item in operands[0] if isinstance(item, pikepdf.String)]
            for string in [strings] if name != "TJ" else strings:
                data = bytes(string)
                yield from ((current, int.from_bytes(data[i : i + 2], "big")) for i in range(0, len(data) - 1, 2))
        elif name == "Do":
            xobject = resources.get("/XObject", {}).get(str(operands[0]))
            if xobject is not None and xobject.get("/Subtype") == "/Form":
                yield from _drawn_codes(xobject, xobject.get("/Resources", resources))


def _encoding(font) -> dict[int, int] | None:
    """Code → CID from an embedded CMap (WeasyPrint's when glyphs are missing); None for Identity-H."""
    encoding = font.Encoding
    if isinstance(encoding, pikepdf.Name):
        assert encoding == "/Identity-H"
        return None
    text = encoding.read_bytes().decode("latin-1")
    return {int(code, 16): int(cid) for code, cid in re.findall(r"<([0-9a-fA-F]+)>\s+(\d+)", text)}


def _glyphs(font) -> set[int]:
    """CIDs (CFF) or glyph ids (TrueType) the embedded font program can draw, .notdef excluded."""
    descendant = font.DescendantFonts[0]
    descriptor = descendant.FontDescriptor
    if "/FontFile2" in descriptor:
        face = TTFont(io.BytesIO(descriptor.FontFile2.read_bytes()))
        return set(range(1, face["maxp"].numGlyphs))
    program = descriptor.FontFile3
    data = program.read_bytes()
    if program.get("/Subtype") == "/OpenType":
        data = TTFont(io.BytesIO(data)).getTableData("CFF ")
    cff = CFFFontSet()
    cff.decompile(io.BytesIO(data), None)
    top = cff[cff.fontNames[0]]
    names = top.charset
    if hasattr(top, "ROS"):
        return {int(name[3:]) for name in names if name.startswith("cid") and name != "cid00000"}
    return set(range(1, len(names)))


def _render(tmp_path: Path, text: str) -> Path:
    target = tmp_path / "glyphs.pdf"
    HTML(string=f'<html lang="zh-CN"><p style="font-family: Noto Serif CJK SC">{text}</p></html>').write_pdf(target)
    return target


def test_the_check_catches_a_character_no_font_has(tmp_path: Path) -> None:
    target = _render(tmp_path, f"申报材料{RARE}")
    missing = missing_glyphs(target)
    assert len(missing) == 1
    assert missing[0][0] == 1


def test_the_check_passes_ordinary_chinese_text(tmp_path: Path) -> None:
    assert missing_glyphs(_render(tmp_path, "全国基层中医药工作示范县（区）创建申报材料 2024年6月30日")) == []


def test_the_renderer_names_missing_characters(tmp_path: Path) -> None:
    with glyph_watch() as missing:
        _render(tmp_path, f"材料{RARE}")
    assert missing == {RARE}


def test_stamps_never_draw_missing_glyphs(tmp_path: Path) -> None:
    """A file name with a character the font lacks is stamped with □, which the font has."""
    from dossier.test_appendix import AppendixPlan, build, evidence_file, make_pdf, placement

    root = tmp_path / "evidence"
    file = evidence_file(root, make_pdf(root / f"王{RARE}的证明.pdf", 1, "X"), "pdf")
    target = build(AppendixPlan([placement(root, file)]), tmp_path)
    assert missing_glyphs(target) == []
    with pikepdf.open(target) as pdf:
        assert len(pdf.pages) == 2

