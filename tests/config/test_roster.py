"""The institution roster: the office's Excel or CSV, with title rows, merged cells and typed-in text."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from support.projects import data_problems

from assess.config.data import load_data
from assess.config.project import load_project

HEADER = ["序号", "机构名称", "机构类型", "街道/镇", "中医科", "中药房", "中医馆", "中医阁", "中医药服务场所设备",
          "接入中医馆健康信息平台", "适宜技术类数", "适宜技术项数", "中医药人员数", "备注"]
CENTRE = ["是", "是", "是", None, "是", "是"]
POST = [None, None, None, "否", "是", None]


def write_xlsx(root: Path, rows: list[list], header: list[str] = HEADER, title: bool = True) -> Path:
    """A roster workbook as offices keep it: a merged title row, then the header, then rows."""
    path = root / "data" / "institutions.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append(["回民区机构名册"])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_title_row_merged_town_cells_and_text_numbers(project_copy):
    path = write_xlsx(project_copy, [
        [1, "环河街社区卫生服务中心", "社区卫生服务中心", "环河街街道", *CENTRE, "7", "12", "5", ""],
        [2, "南顺城街社区卫生服务站", "社区卫生服务站", None, *POST, 4, 6, "1人", "站"],
        [3, "宽巷子社区卫生服务站", "社区卫生服务站", None, None, None, None, "√", "×", None, "4类", "6项", 1, None],
    ])
    book = openpyxl.load_workbook(path)
    book.active.merge_cells("D3:D5")  # one 街道 cell spanning the three institutions
    book.save(path)
    data = load_data(load_project(project_copy))
    centre, station, other = data.institutions
    assert [i.town for i in data.institutions] == ["环河街街道"] * 3
    assert (centre.tech_categories, centre.tech_items, centre.has_tcm_hall) == (7, 12, True)
    assert (station.tcm_staff, station.has_tcm_pavilion, station.has_tcm_department) == (1, False, None)
    assert (other.has_tcm_pavilion, other.has_tcm_facility, other.tech_categories, other.tech_items) == (True, False, 4, 6)


def test_district_hospital_and_other_spellings_of_types_are_folded(project_copy):
    write_xlsx(project_copy, [[1, "回民区中医医院", "区级中医医院", "中山西路街道", *CENTRE, 12, 38, 86, ""]])
    assert load_data(load_project(project_copy)).institutions[0].type == "中医医院"


def test_blank_and_total_rows_are_skipped(project_copy):
    write_xlsx(project_copy, [
        [1, "环河街社区卫生服务中心", "社区卫生服务中心", "环河街街道", *CENTRE, 7, 12, 5, ""],
        [None] * len(HEADER),
        [None, "合计", None, None, None, None, None, None, None, None, 7, 12, 5, None],
    ])
    assert [i.name for i in load_data(load_project(project_copy)).institutions] == ["环河街社区卫生服务中心"]


def test_bad_cells_name_the_row_and_the_column(project_copy):
    write_xlsx(project_copy, [
        [1, "环河街社区卫生服务中心", "社区卫生服务中心", "环河街街道", "是", "是", "大概", None, "是", "是", "五", 12, 5, ""],
        [2, "攸攸板镇卫生院", "乡镇卫生院", "攸攸板镇", *CENTRE, 5, 8, -1, ""],
    ])
    assert data_problems(project_copy) == [
        "data/institutions.xlsx: 第3行“中医馆”列：应填 是/否（或 有/无、√/×），实际为“大概”",
        "data/institutions.xlsx: 第3行“适宜技术类数”列：应为不小于 0 的整数，实际为“五”",
        "data/institutions.xlsx: 第4行“中医药人员数”列：应为不小于 0 的整数，实际为“-1”",
    ]


def test_unknown_type_and_duplicate_name_are_reported(project_copy):
    write_xlsx(project_copy, [
        [1, "环河街社区卫生服务中心", "社区卫生服务中性", "环河街街道", *CENTRE, 7, 12, 5, ""],
        [2, "环河街社区卫生服务中心", "社区卫生服务中心", "环河街街道", *CENTRE, 7, 12, 5, ""],
        [3, None, "村卫生室", "攸攸板镇", *POST, 4, 6, 1, ""],
    ])
    assert data_problems(project_copy) == [
        "data/institutions.xlsx: 第3行“机构类型”列：未知类型“社区卫生服务中性”，是否应为“社区卫生服务中心”？",
        "data/institutions.xlsx: 第4行：机构“环河街社区卫生服务中心”重复（第3行已出现）",
        "data/institutions.xlsx: 第5行：缺少机构名称",
    ]


def test_missing_column_suggests_the_misspelt_header(project_copy):
    header = [h if h != "中医馆" else "中医官" for h in HEADER]
    write_xlsx(project_copy, [[1, "环河街社区卫生服务中心", "社区卫生服务中心", "环河街街道", *CENTRE, 7, 12, 5, ""]], header=header)
    assert data_problems(project_copy) == ["data/institutions.xlsx: 缺少“中医馆”列，是否应为“中医官”？"]


def test_sheet_without_a_header_row(project_copy):
    write_xlsx(project_copy, [[1, 2, 3]], header=["a", "b", "c"], title=False)
    [message] = data_problems(project_copy)
    assert message.startswith("data/institutions.xlsx: 找不到表头行")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_saved_by_excel_in_either_encoding(project_copy, encoding):
    lines = [",".join(HEADER), "1,环河街社区卫生服务中心,社区卫生服务中心,环河街街道,是,是,是,,是,是,7,12,5,", "2,攸攸板村卫生室,村卫生室,攸攸板镇,,,,有,有,,4,6,1,"]
    (project_copy / "data").mkdir()
    (project_copy / "data" / "institutions.csv").write_bytes("\n".join(lines).encode(encoding))
    data = load_data(load_project(project_copy))
    assert data.roster_file == "data/institutions.csv"
    assert [(i.name, i.has_tcm_pavilion) for i in data.institutions] == [("环河街社区卫生服务中心", None), ("攸攸板村卫生室", True)]


def test_csv_row_errors_use_the_line_number(project_copy):
    (project_copy / "data").mkdir()
    text = ",".join(HEADER) + "\n1,攸攸板村卫生室,村卫生室,攸攸板镇,,,,也许,有,,4,6,1,\n"
    (project_copy / "data" / "institutions.csv").write_text(text, encoding="utf-8")
    assert data_problems(project_copy) == ["data/institutions.csv: 第2行“中医阁”列：应填 是/否（或 有/无、√/×），实际为“也许”"]


def test_two_roster_files_are_ambiguous(project_copy):
    write_xlsx(project_copy, [[1, "环河街社区卫生服务中心", "社区卫生服务中心", "环河街街道", *CENTRE, 7, 12, 5, ""]])
    (project_copy / "data" / "institutions.csv").write_text(",".join(HEADER) + "\n", encoding="utf-8")
    assert data_problems(project_copy) == ["data: 同时存在 institutions.xlsx 和 institutions.csv，请只保留一个"]


def test_damaged_workbook_is_reported_not_raised(project_copy):
    (project_copy / "data").mkdir()
    (project_copy / "data" / "institutions.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    [message] = data_problems(project_copy)
    assert message.startswith("data/institutions.xlsx: 无法打开表格文件")
