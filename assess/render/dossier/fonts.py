"""The stamps' font: one small subset of the sans-serif CJK font, embedded once in the dossier.

Every appendix page is stamped (indicator, file name, 第k页/共n页, page number) in the same font.
The CJK font is tens of megabytes; the stamps draw a few hundred characters, so only those are
embedded, as a CID-keyed Type0 font (Identity-H), with a ToUnicode map so the stamps can be
searched and copied.
"""

from __future__ import annotations

import functools
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from fontTools import subset as font_subset
from fontTools.ttLib import TTCollection, TTFont
from pikepdf import Array, Dictionary, Name

from assess.render.fonts import cjk_font_file


@dataclass
class StampFont:
    """A subset of the CJK font, embedded once in the dossier, that draws every stamp."""

    codes: dict[str, int]
    widths: dict[int, int]
    program: bytes
    cff: bool
    cid_system: tuple[str, str, int]
    postscript_name: str
    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int

    def usable(self, text: str) -> str:
        """`text` with characters the font lacks shown as □ (never as an invisible glyph)."""
        return "".join(c if c in self.codes else "□" for c in text)

    def width(self, text: str, size: float) -> float:
        """Advance width of `text` at `size` points."""
        return sum(self.widths[self.codes[c]] for c in self.usable(text)) * size / 1000

    def encode(self, text: str) -> bytes:
        """`text` as a hex string of 2-byte codes (Identity-H)."""
        return b"<" + "".join(f"{self.codes[c]:04x}" for c in self.usable(text)).encode() + b">"

    def embed(self, pdf: pikepdf.Pdf) -> pikepdf.Object:
        """The Type0 font dictionary, as an indirect object of `pdf`."""
        tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(self.program).digest()[:6])
        base_font = Name(f"/{tag}+{self.postscript_name}")
        if self.cff:
            program = pikepdf.Stream(pdf, self.program, Subtype=Name.CIDFontType0C)
            extra = {"Subtype": Name.CIDFontType0}
        else:
            program = pikepdf.Stream(pdf, self.program, Length1=len(self.program))
            extra = {"Subtype": Name.CIDFontType2, "CIDToGIDMap": Name.Identity}
        descriptor = Dictionary(
            Type=Name.FontDescriptor,
            FontName=base_font,
            Flags=4,
            FontBBox=Array(self.bbox),
            ItalicAngle=0,
            Ascent=self.ascent,
            Descent=self.descent,
            CapHeight=self.ascent,
            StemV=80,
        )
        descriptor[Name.FontFile3 if self.cff else Name.FontFile2] = pdf.make_indirect(program)
        registry, ordering, supplement = self.cid_system
        descendant = Dictionary(
            Type=Name.Font,
            BaseFont=base_font,
            CIDSystemInfo=Dictionary(Registry=registry, Ordering=ordering, Supplement=supplement),
            FontDescriptor=pdf.make_indirect(descriptor),
            DW=1000,
            W=Array([x for code in sorted(self.widths) for x in (code, Array([self.widths[code]]))]),
            **extra,
        )
        return pdf.make_indirect(
            Dictionary(
                Type=Name.Font,
                Subtype=Name.Type0,
                BaseFont=base_font,
                Encoding=Name("/Identity-H"),
                DescendantFonts=Array([pdf.make_indirect(descendant)]),
                ToUnicode=pdf.make_indirect(pikepdf.Stream(pdf, self._to_unicode())),
            )
        )

    def _to_unicode(self) -> bytes:
        """ToUnicode CMap, so stamps can be searched and copied."""
        pairs = sorted((code, char) for char, code in self.codes.items())
        lines = [
            "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
            "1 begincodespacerange <0000> <FFFF> endcodespacerange",
        ]
        for start in range(0, len(pairs), 100):
            batch = pairs[start : start + 100]
            lines.append(f"{len(batch)} beginbfchar")
            lines += [f"<{code:04x}> <{char.encode('utf-16-be').hex()}>" for code, char in batch]
            lines.append("endbfchar")
        lines.append("endcmap CMapName currentdict /CMap defineresource pop end end")
        return "\n".join(lines).encode()


def build_stamp_font(texts: Iterable[str]) -> StampFont:
    """Subset the CJK font to the characters of `texts` (plus □, drawn for characters it lacks)."""
    path, number = stamp_face()
    with TTFont(path, fontNumber=number) as face:
        cmap = face.getBestCmap()
        chars = sorted({c for text in texts for c in text if ord(c) in cmap} | {"□"})
        names = {c: cmap[ord(c)] for c in chars}
        scale = 1000 / face["head"].unitsPerEm
        advances = {c: round(face["hmtx"][names[c]][0] * scale) for c in chars}
        head = face["head"]
        bbox = tuple(round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax))
        ascent, descent = round(face["hhea"].ascent * scale), round(face["hhea"].descent * scale)
        postscript = (face["name"].getDebugName(6) or "CJKStamp").replace(" ", "")
        options = font_subset.Options(
            desubroutinize=True, notdef_outline=True, hinting=False, name_IDs=[], layout_features=[], glyph_names=True
        )
        options.drop_tables += ["GSUB", "GPOS", "BASE", "VORG", "vhea", "vmtx", "DSIG", "GDEF"]
        subsetter = font_subset.Subsetter(options)
        subsetter.populate(unicodes=[ord(c) for c in chars])
        subsetter.subset(face)
        cff = "CFF " in face
        top = face["CFF "].cff.topDictIndex[0] if cff else None
        cid_keyed = cff and hasattr(top, "ROS")
        # CID-keyed CFF: codes are the CIDs its charset keeps (glyph names cidNNNNN); otherwise glyph ids.
        codes = {c: int(names[c][3:]) if cid_keyed else face.getGlyphID(names[c]) for c in chars}
        cid_system = tuple(top.ROS) if cid_keyed else ("Adobe", "Identity", 0)
        if cff:
            program = face.getTableData("CFF ")
        else:
            buffer = io.BytesIO()
            face.save(buffer)
            program = buffer.getvalue()
    widths = {codes[c]: advances[c] for c in chars}
    return StampFont(codes, widths, program, cff, cid_system, postscript, bbox, ascent, descent)


@functools.cache
def stamp_face() -> tuple[Path, int]:
    """File and face number of the sans-serif CJK font (the SC face of a collection when there is one)."""
    path = cjk_font_file("Noto Sans CJK SC")
    if path.suffix.lower() not in (".ttc", ".otc"):
        return path, 0
    with TTCollection(path, lazy=True) as collection:
        families = [face["name"].getDebugName(1) or "" for face in collection.fonts]
    return path, next((i for i, name in enumerate(families) if name.endswith(" SC")), 0)
