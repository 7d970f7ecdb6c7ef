"""`assess build` on the sample district: one command writes all three documents, which agree."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from assess.cli import cli
from assess.config.project import load_project
from assess.errors import ExitCode
from assess.pipeline import BuildOptions, build

pytestmark = pytest.mark.slow  # every test builds the whole sample dossier


@pytest.fixture(scope="module")
def sample_copy(tmp_path_factory, repo_root: Path) -> Path:
    """A copy of the whole sample project (configuration, evidence, data, templates)."""
    root = tmp_path_factory.mktemp("district")
    for name in ("assess.yaml",):
        shutil.copy(repo_root / name, root / name)
    for name in ("standards", "evidence", "data", "templates"):
        shutil.copytree(repo_root / name, root / name, symlinks=True)
    return root


@pytest.fixture(scope="module")
def built(sample_copy: Path):
    """The result of a full build of the sample copy."""
    return build(load_project(sample_copy))


def test_build_writes_the_three_documents(built, sample_copy):
    names = {kind: path.name for kind, path in built.written.items()}
    assert names == {
        "docx": "回民区创建全国基层中医药工作示范县（区）自评报告.docx",
        "xlsx": "回民区创建全国基层中医药工作示范县（区）自评表.xlsx",
        "pdf": "回民区创建全国基层中医药工作示范县（区）申报材料.pdf",
    }
    assert not built.failures
    assert (sample_copy / "output" / "evidence-index.json").is_file()
    assert (sample_copy / "output" / "assessment.json").is_file()


def test_documents_agree_on_every_verdict(built):
    verdicts = {r.indicator.label: r.verdict.value for r in built.assessment.indicators}
    workbook = load_workbook(built.written["xlsx"], read_only=True)
    sheet = workbook["自评总表"]
    rows = list(sheet.iter_rows(values_only=True))
    header_at = next(n for n, row in enumerate(rows) if "序号" in row)
    label_col, verdict_col = rows[header_at].index("序号"), rows[header_at].index("自评结论")
    in_workbook = {str(row[label_col]): row[verdict_col] for row in rows[header_at + 1 :] if row[label_col]}
    assert in_workbook == verdicts

    report = Document(built.written["docx"])
    table_text = "\n".join(cell.text for table in report.tables for row in table.rows for cell in row.cells)
    for verdict in set(verdicts.values()):
        assert verdict in table_text

    dossier = PdfReader(built.written["pdf"])
    text = "".join(page.extract_text() or "" for page in dossier.pages[:40])
    assert "中医诊疗人次占比" in text


def test_build_never_writes_under_evidence_or_data(sample_copy, built):
    def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
        return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))}

    before = snapshot(sample_copy / "evidence"), snapshot(sample_copy / "data")
    build(load_project(sample_copy), BuildOptions(only=("xlsx",)))
    assert (snapshot(sample_copy / "evidence"), snapshot(sample_copy / "data")) == before


def test_only_builds_the_named_document(sample_copy, built):
    result = CliRunner().invoke(cli, ["build", "--project", str(sample_copy), "--only", "docx"])
    assert result.exit_code == ExitCode.OK, result.output
    assert "Word 自评报告" in result.output
    assert "PDF 申报材料" not in result.output


def test_a_broken_template_fails_only_the_report(sample_copy, built, tmp_path):
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"not a docx")
    result = CliRunner().invoke(
        cli, ["build", "--project", str(sample_copy), "--only", "docx", "--only", "xlsx", "--template", str(broken)]
    )
    assert result.exit_code == ExitCode.FAILED
    assert "以下文件未能生成" in result.output
    assert "Excel 自评表" in result.output
