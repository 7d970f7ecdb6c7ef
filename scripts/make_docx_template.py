"""Generate templates/report.docx, the Word template of the 自评报告, with GB/T 9704-2012 styles.

The committed template is this script's output, so every style is reviewable here. After changing
the script run `.venv/bin/python scripts/make_docx_template.py`; tests check the committed file is
up to date. The office may instead restyle templates/report.docx in Word (see the manual, docs/documents/report.md).

Fonts: a .docx can only name fonts; the reader's Word substitutes missing ones. Styles name the
fonts offices install (方正小标宋简体, 仿宋_GB2312, 楷体_GB2312, 黑体, 宋体) in w:eastAsia, Times New
Roman for digits and Latin letters, no theme fonts anywhere, East Asian language zh-CN; the font
table gives Word an alternative for each (仿宋_GB2312 → 仿宋, 楷体_GB2312 → 楷体, 方正小标宋简体 → 黑体,
a heavy face like the bold fallback GB/T 9704 practice uses).
"""

from __future__ import annotations

import io
import math
import sys
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assess.atomic import write_reproducible_zip  # noqa: E402

TARGET = ROOT / "templates" / "report.docx"

TITLE_FONT = "方正小标宋简体"
FANGSONG = "仿宋_GB2312"
KAITI = "楷体_GB2312"
HEITI = "黑体"
SONGTI = "宋体"
LATIN = "Times New Roman"
ALTERNATIVES = {TITLE_FONT: HEITI, FANGSONG: "仿宋", KAITI: "楷体", HEITI: "SimHei", SONGTI: "SimSun"}
"""Font-table alternatives Word uses when the named font is not installed."""

BODY_SIZE = 16  # 3号
TITLE_SIZE = 22  # 2号
CAPTION_SIZE = 14  # 4号
TABLE_SIZE = 12  # 小四
PAGE_NUMBER_SIZE = 14  # 4号
LINE_PITCH = Pt(28.95)  # 22 lines in the 225 mm text block
TEXT_WIDTH_MM = 156
CHARS_PER_LINE = 28
CHAR_SPACING = math.floor((TEXT_WIDTH_MM / 25.4 * 72 / CHARS_PER_LINE - BODY_SIZE) * 20)
"""Letter spacing in twentieths of a point that fits 28 characters of 3号 in the 156 mm line (-5).

A character grid (w:docGrid linesAndChars with a negative w:charSpace) does the same in Word, but
LibreOffice lays it out at about 16 characters a line; plain letter spacing reads the same everywhere.
"""

TABLE_COLUMNS = [
    ("序号", 10, "{{ row.number }}", WD_ALIGN_PARAGRAPH.CENTER),
    ("指标", 36, "{{ row.indicator }}", WD_ALIGN_PARAGRAPH.LEFT),
    ("责任单位", 24, "{{ row.departments }}", WD_ALIGN_PARAGRAPH.LEFT),
    ("目标值", 24, "{{ row.targets }}", WD_ALIGN_PARAGRAPH.LEFT),
    ("实际值", 22, "{{ row.actuals }}", WD_ALIGN_PARAGRAPH.LEFT),
    ("自评结论", 19, "{{ row.verdict }}", WD_ALIGN_PARAGRAPH.CENTER),
    ("佐证材料", 21, "{{ row.evidence }}", WD_ALIGN_PARAGRAPH.LEFT),
]
"""Columns of the results table: header, width in mm (sum 156), cell tag, alignment."""

PPR_ORDER = (
    "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd tabs "
    "suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
    "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection "
    "textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange"
).split()
RPR_ORDER = (
    "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof snapToGrid "
    "vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd fitText vertAlign rtl cs "
    "em lang eastAsianLayout specVanish oMath"
).split()
"""Child order of w:pPr and w:rPr in the OOXML schema; Word rejects files that break it."""

THEME_ATTRIBUTES = [qn(f"w:{name}") for name in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme")]


def set_child(parent, tag: str, order: list[str], **attributes: str):
    """Replace child w:`tag` of a pPr/rPr with one carrying `attributes`, in schema order."""
    for old in parent.findall(qn(f"w:{tag}")):
        parent.remove(old)
    child = OxmlElement(f"w:{tag}", attrs={qn(f"w:{k}"): v for k, v in attributes.items()})
    later = {qn(f"w:{name}") for name in order[order.index(tag) + 1 :]}
    following = next((el for el in parent if el.tag in later), None)
    if following is None:
        parent.append(child)
    else:
        following.addprevious(child)
    return child


def set_fonts(rpr, east_asia: str, latin: str = LATIN) -> None:
    """Name the East Asian and Latin fonts explicitly, with no theme font left to override them."""
    set_child(rpr, "rFonts", RPR_ORDER, ascii=latin, hAnsi=latin, cs=latin, eastAsia=east_asia, hint="eastAsia")


def run_format(rpr, font: str, size: float, *, bold: bool = False, latin: str = LATIN) -> None:
    """Font, size and weight of a style's runs (black text, Chinese language)."""
    set_fonts(rpr, font, latin)
    set_child(rpr, "b", RPR_ORDER, val="1" if bold else "0")
    set_child(rpr, "bCs", RPR_ORDER, val="1" if bold else "0")
    set_child(rpr, "color", RPR_ORDER, val="000000")
    half_points = str(round(size * 2))
    set_child(rpr, "sz", RPR_ORDER, val=half_points)
    set_child(rpr, "szCs", RPR_ORDER, val=half_points)


def indent(ppr, *, first_chars: int = 0, left_chars: int = 0, right_chars: int = 0, hanging_chars: int = 0) -> None:
    """Indents in characters (w:*Chars, which Word and WPS honour) with twip equivalents for others."""
    twips = BODY_SIZE * 20
    attributes = {
        "left": str(left_chars * twips),
        "leftChars": str(left_chars * 100),
        "right": str(right_chars * twips),
        "rightChars": str(right_chars * 100),
    }
    if hanging_chars:
        attributes |= {"hanging": str(hanging_chars * twips), "hangingChars": str(hanging_chars * 100)}
    else:
        attributes |= {"firstLine": str(first_chars * twips), "firstLineChars": str(first_chars * 100)}
    set_child(ppr, "ind", PPR_ORDER, **attributes)


def fresh_style(document, name: str, kind: int = 1, base: str | None = "Normal"):
    """A paragraph style with no inherited direct formatting (existing built-in ones are cleared)."""
    styles = document.styles
    style = styles[name] if name in [s.name for s in styles] else styles.add_style(name, kind)
    for child in style.element.findall(qn("w:pPr")) + style.element.findall(qn("w:rPr")):
        style.element.remove(child)
    for child in style.element.findall(qn("w:link")):
        style.element.remove(child)
    if base is not None:
        style.base_style = styles[base]
    style.quick_style = True
    style.hidden = False
    style.unhide_when_used = False
    return style


def paragraph_style(
    document,
    name: str,
    font: str,
    size: float,
    *,
    bold: bool = False,
    align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    first_chars: int = 0,
    line: Pt | None = LINE_PITCH,
    outline: int | None = None,
    keep_next: bool = False,
    snap_to_grid: bool = True,
    latin: str = LATIN,
    base: str | None = "Normal",
):
    """Define one paragraph style completely, so nothing comes from python-docx's defaults."""
    style = fresh_style(document, name, base=base)
    fmt = style.paragraph_format
    fmt.alignment = align
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if line is None:
        fmt.line_spacing = 1.0
    else:
        fmt.line_spacing = line
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.keep_with_next = keep_next
    ppr = style.element.get_or_add_pPr()
    indent(ppr, first_chars=first_chars)
    set_child(ppr, "snapToGrid", PPR_ORDER, val="1" if snap_to_grid else "0")
    if outline is not None:
        set_child(ppr, "outlineLvl", PPR_ORDER, val=str(outline))
        fmt.keep_together = True
    run_format(style.element.get_or_add_rPr(), font, size, bold=bold, latin=latin)
    return style


def define_defaults(document) -> None:
    """Document defaults: 仿宋 3号, Chinese language, no theme fonts in any style."""
    styles = document.styles.element
    for fonts in styles.iter(qn("w:rFonts")):
        for attribute in THEME_ATTRIBUTES:
            fonts.attrib.pop(attribute, None)
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    run_format(rpr, FANGSONG, BODY_SIZE)
    set_child(rpr, "spacing", RPR_ORDER, val=str(CHAR_SPACING))
    set_child(rpr, "lang", RPR_ORDER, val="en-US", eastAsia="zh-CN", bidi="ar-SA")
    ppr = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    set_child(ppr, "spacing", PPR_ORDER, after="0", line="240", lineRule="auto")


def define_styles(document) -> None:
    """Every style the template uses, following GB/T 9704-2012."""
    define_defaults(document)
    normal = paragraph_style(document, "Normal", FANGSONG, BODY_SIZE, first_chars=2, base=None)
    set_child(normal.element.get_or_add_pPr(), "widowControl", PPR_ORDER, val="0")
    paragraph_style(document, "Title", TITLE_FONT, TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(36), snap_to_grid=False, latin=TITLE_FONT)
    paragraph_style(document, "Subtitle", KAITI, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, latin=KAITI)
    paragraph_style(document, "Heading 1", HEITI, BODY_SIZE, first_chars=2, outline=0, keep_next=True)
    paragraph_style(document, "Heading 2", KAITI, BODY_SIZE, first_chars=2, outline=1, keep_next=True)
    paragraph_style(document, "Heading 3", FANGSONG, BODY_SIZE, first_chars=2, outline=2, keep_next=True)
    paragraph_style(document, "Caption", HEITI, CAPTION_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, snap_to_grid=False)
    paragraph_style(document, "图片", FANGSONG, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, line=None, keep_next=True, snap_to_grid=False)
    paragraph_style(document, "表格文字", FANGSONG, TABLE_SIZE, align=WD_ALIGN_PARAGRAPH.LEFT, line=None, snap_to_grid=False)
    paragraph_style(document, "表格标题", HEITI, TABLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, line=None, snap_to_grid=False)
    note = paragraph_style(document, "表注", FANGSONG, TABLE_SIZE, align=WD_ALIGN_PARAGRAPH.LEFT, line=None, snap_to_grid=False)
    note.paragraph_format.space_before = Pt(6)
    attachments = paragraph_style(document, "附件说明", FANGSONG, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.LEFT)
    indent(attachments.element.get_or_add_pPr(), left_chars=5, hanging_chars=3)
    footer = paragraph_style(document, "Footer", SONGTI, PAGE_NUMBER_SIZE, line=None, snap_to_grid=False, latin=SONGTI)
    footer.paragraph_format.tab_stops.clear_all()


def register_font_alternatives(document) -> None:
    """Font-table entries naming a GB2312 charset and an alternative for each font the styles use."""
    part = document.part.part_related_by(RT.FONT_TABLE)
    table = parse_xml(part.blob)
    for name, alternative in ALTERNATIVES.items():
        for old in table.findall(qn("w:font")):
            if old.get(qn("w:name")) == name:
                table.remove(old)
        table.append(
            parse_xml(
                f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alternative}"/>'
                '<w:charset w:val="86"/><w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>'
            )
        )
    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)


def drop_default_leftovers(document) -> None:
    """Remove python-docx's thumbnail and the Word 2010 copy of styles.xml, which would contradict ours."""
    for rel_id, rel in list(document.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            document.part.drop_rel(rel_id)
    package_rels = document.part.package.rels
    for rel_id, rel in list(package_rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            package_rels.pop(rel_id)


def set_up_page(document) -> None:
    """A4, 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm, 22 lines of 28 characters."""
    section = document.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(22)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(LINE_PITCH.pt * 20)))


def page_number_footer(document, footer, align) -> None:
    """“— 1 —” in 4号 宋体: a PAGE field between em dashes, one character in from the outer edge."""
    paragraph = footer.paragraphs[0]
    paragraph.style = document.styles["Footer"]
    paragraph.alignment = align
    side = "right_indent" if align == WD_ALIGN_PARAGRAPH.RIGHT else "left_indent"
    setattr(paragraph.paragraph_format, side, Pt(PAGE_NUMBER_SIZE))
    paragraph.add_run("— ")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        if kind:
            run._r.append(OxmlElement("w:fldChar", attrs={qn("w:fldCharType"): kind}))
        elif text == " PAGE ":
            instruction = OxmlElement("w:instrText", attrs={qn("xml:space"): "preserve"})
            instruction.text = text
            run._r.append(instruction)
        else:
            run.add_text(text)
    paragraph.add_run(" —")


def set_up_footers(document) -> None:
    """Page numbers right on odd pages and left on even pages (单页码居右、双页码居左，各空一字)."""
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    page_number_footer(document, section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
    page_number_footer(document, section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)


def add(document, text: str, style: str = "Normal"):
    """One paragraph of the template (text may hold Jinja tags; each stays in one run)."""
    paragraph = document.add_paragraph(style=style)
    if text:
        paragraph.add_run(text)
    return paragraph


def mark_row(row, *, header: bool) -> None:
    """Rows never split across pages; the header row repeats on every page (w:tblHeader)."""
    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))
    if header:
        properties.append(OxmlElement("w:tblHeader"))


def table_caption(document) -> None:
    """The table's caption, kept on the page of the table's first rows."""
    add(document, "表1　对照标准逐项自评结果", "Caption").paragraph_format.keep_with_next = True


def results_table(document) -> None:
    """The 三、 results table: a repeated header row and one templated row per indicator."""
    table = document.add_table(rows=4, cols=len(TABLE_COLUMNS))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    properties = table._tbl.tblPr
    width = properties.find(qn("w:tblW"))
    width.set(qn("w:w"), str(Mm(TEXT_WIDTH_MM).twips))
    width.set(qn("w:type"), "dxa")
    properties.find(qn("w:tblLook")).addprevious(
        parse_xml(
            f'<w:tblCellMar {nsdecls("w")}><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>'
        )
    )
    header, loop_start, body, loop_end = table.rows
    mark_row(header, header=True)
    mark_row(body, header=False)
    for index, (title, width, tag, align) in enumerate(TABLE_COLUMNS):
        table.columns[index].width = Mm(width)
        for row, text, style in ((header, title, "表格标题"), (body, tag, "表格文字")):
            cell = row.cells[index]
            cell.width = Mm(width)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = cell.paragraphs[0]
            paragraph.style = document.styles[style]
            paragraph.alignment = align if row is body else None
            paragraph.add_run(text)
        for row in (loop_start, loop_end):
            row.cells[index].width = Mm(width)
    loop_start.cells[0].paragraphs[0].add_run("{%tr for row in results %}")
    loop_end.cells[0].paragraphs[0].add_run("{%tr endfor %}")


BODY = [
    ("一、基本情况", "Heading 1"),
    (
        "{{ district }}于{{ start_date }}启动创建{{ honour }}工作，对照《{{ standard_title }}》确定的"
        "{{ category_count }}个方面{{ indicator_count }}项建设指标，逐项明确牵头单位和配合单位，统筹推进创建各项工作。",
        "Normal",
    ),
    (
        "成立{{ office }}，负责创建工作的组织协调、督促指导和材料汇总。{{ departments_text }}等{{ department_count }}个"
        "责任单位按照职责分工牵头或配合落实各项指标{% if units_text %}，{{ units_text }}具体抓好辖区落实{% endif %}，"
        "形成了牵头单位负总责、配合单位协同推进的工作格局。",
        "Normal",
    ),
    ("创建工作分为{{ phase_count }}个阶段：{{ phases_text }}。截至{{ report_date }}，{{ phase_now }}。", "Normal"),
    ("二、主要做法与成效", "Heading 1"),
    ("{%p for category in practices %}", "Normal"),
    ("{{ category.heading }}", "Heading 2"),
    ("{%p for entry in category.indicators %}", "Normal"),
    ("{{ entry.number }}{{ entry.title }}。{{ entry.first }}", "Normal"),
    ("{%p for text in entry.more %}", "Normal"),
    ("{{ text }}", "Normal"),
    ("{%p endfor %}", "Normal"),
    ("{%p endfor %}", "Normal"),
    ("{%p if not category.indicators %}", "Normal"),
    ("{{ missing_narrative }}", "Normal"),
    ("{%p endif %}", "Normal"),
    ("{%p endfor %}", "Normal"),
    ("三、对照标准自评结果", "Heading 1"),
    (
        "对照{{ indicator_count }}项建设指标逐项自评，{{ verdict_summary }}。{{ score_text }}"
        "各方面自评结论分布见图1，逐项结果见表1。",
        "Normal",
    ),
    ("{{ verdict_chart }}", "图片"),
    ("图1　各方面指标自评结论分布", "Caption"),
    (table_caption, None),
    (results_table, None),
    ("{%p if results_note %}", "Normal"),
    ("{{ results_note }}", "表注"),
    ("{%p endif %}", "Normal"),
    ("四、存在问题", "Heading 1"),
    ("{{ problems_intro }}", "Normal"),
    ("{%p for entry in problems %}", "Normal"),
    ("{{ entry.number }}{{ entry.text }}", "Normal"),
    ("{%p endfor %}", "Normal"),
    ("五、下一步整改打算", "Heading 1"),
    ("{{ plans_intro }}", "Normal"),
    ("{%p for entry in plans %}", "Normal"),
    ("{{ entry.number }}{{ entry.text }}", "Normal"),
    ("{%p endfor %}", "Normal"),
    (
        "下一步，{{ self_ref }}将以此次自评为契机，对照创建标准和整改方案，压实牵头单位和配合单位责任，"
        "实行问题、任务、责任清单管理，逐项整改、逐项销号，持续提升基层中医药服务能力，确保高质量通过评审验收。",
        "Normal",
    ),
    ("", "Normal"),
    ("附件：{{ attachments_text }}", "附件说明"),
]
"""The body after the title block, in order: (text or builder, style)."""


def build() -> Document:
    """The whole template document."""
    document = Document()
    define_styles(document)
    drop_default_leftovers(document)
    register_font_alternatives(document)
    set_up_page(document)
    set_up_footers(document)
    for paragraph in list(document.paragraphs):
        paragraph._p.getparent().remove(paragraph._p)
    add(document, "{{ title_text }}", "Title")
    add(document, "{%p for line in byline %}", "Normal")
    add(document, "{{ line }}", "Subtitle")
    add(document, "{%p endfor %}", "Normal")
    add(document, "", "Normal")
    for content, style in BODY:
        if callable(content):
            content(document)
        else:
            add(document, content, style)
    properties = document.core_properties
    properties.title = "自评报告模板"
    properties.author = properties.last_modified_by = "assess"
    properties.created = properties.modified = datetime(2024, 1, 1)
    properties.revision = 1
    properties.comments = "由 scripts/make_docx_template.py 生成；可在 Word 中修改样式，Jinja 标记见 README"
    return document


def write(target: Path) -> None:
    """Write the template reproducibly (same script, same bytes)."""
    buffer = io.BytesIO()
    build().save(buffer)
    write_reproducible_zip(target, buffer.getvalue())


if __name__ == "__main__":
    write(TARGET)
    print(f"已写入 {TARGET.relative_to(ROOT)}")
