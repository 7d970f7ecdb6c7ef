"""The project file: output names, periods, and bad names caught at check time."""

from __future__ import annotations

from click.testing import CliRunner

from assess.cli import cli
from assess.errors import ExitCode


def test_output_names_use_the_district_short_name(huimin):
    assert huimin.config.output_name("report") == "回民区创建全国基层中医药工作示范县（区）自评报告.docx"
    assert huimin.config.output_name("dossier").endswith("申报材料.pdf")


def test_assessment_period_spans_all_phases(huimin):
    start, end = huimin.config.period
    assert (start.isoformat(), end.isoformat()) == ("2023-06-01", "2024-09-30")


def test_unknown_placeholder_in_output_name(project_copy):
    config = project_copy / "assess.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "outputs:\n  report: '{县名}自评.docx'\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "--project", str(project_copy)])
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "只能使用 {district} 和 {title} 两个占位符" in result.output


def test_output_name_cannot_escape_the_output_folder(project_copy):
    config = project_copy / "assess.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "outputs:\n  dossier: '../{district}.pdf'\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "--project", str(project_copy)])
    assert "不能包含路径分隔符" in result.output
