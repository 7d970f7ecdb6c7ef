"""The line-aware YAML loader: libyaml parses when present, with the same data, lines and safety as pure Python."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from assess.config import yamlio
from assess.config.yamlio import load_yaml

needs_libyaml = pytest.mark.skipif(yamlio.CParser is None, reason="PyYAML built without libyaml")

BROKEN = {
    "a: 1\nb: c: d\n": 2,
    "a:\n  b: 1\n c: 2\n": 3,
    "a: [1, 2\nb: 3\n": 2,
    "a:\n\tb: 1\n": 2,
    "a:\n  - 1\n  b: 2\n": 3,
    "a: 1\n...\nfoo\n": 3,
    "a: *undefined\n": 1,
    "? [a, b]\n: 1\n": 1,
}
"""Broken YAML and the line each loader must name."""


def shape(value):
    """Data with every line number it carries, so two loads can be compared exactly."""
    if isinstance(value, dict):
        return value.line, value.key_lines, {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return value.line, value.item_lines, [shape(item) for item in value]
    return value


def load_both(path: Path, monkeypatch) -> tuple:
    """(data shape, finding texts) from the loader in use, then from the pure-Python fallback."""
    results = []
    for loader in (yamlio.LineLoader, yamlio.PythonLineLoader):
        monkeypatch.setattr(yamlio, "LineLoader", loader)
        data, findings = load_yaml(path, path.name)
        results.append((shape(data), [(f.line, f.message) for f in findings]))
    return tuple(results)


@needs_libyaml
def test_libyaml_parses_when_it_is_installed():
    assert yamlio.LineLoader.__name__ == "LibyamlLineLoader"


@pytest.mark.parametrize("name", ["assess.yaml", "standards/huimin-2023.yaml", "standards/departments.yaml", "data/rectification.yaml"])
def test_both_loaders_give_the_same_data_and_lines(repo_root, name, monkeypatch):
    fast, fallback = load_both(repo_root / name, monkeypatch)
    assert fast == fallback and fast[0] is not None


@pytest.mark.parametrize("text, line", BROKEN.items())
def test_both_loaders_name_the_same_line_of_a_syntax_error(tmp_path, text, line, monkeypatch):
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    fast, fallback = load_both(path, monkeypatch)
    assert [found_line for found_line, _ in fast[1]] == [found_line for found_line, _ in fallback[1]] == [line]
    assert fast[1][0][1].startswith("YAML 语法错误") and fast[0] is None


ENGLISH = re.compile(r"(?<![A-Za-z])(?!YAML|Tab)[A-Za-z]{3,}")
"""A word of a library's English: only the format's name and the key's name may stand in a message."""


@pytest.mark.parametrize("text", [*BROKEN, 'a: "c:\\x"\n', "a\n---\nb\n", "a: !!python/object:os.system 1\n", "a: b\x01c\n"])
def test_syntax_errors_are_explained_in_chinese_by_both_loaders(tmp_path, text, monkeypatch):
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    for _, findings in load_both(path, monkeypatch):
        assert findings and not ENGLISH.search(findings[0][1]), findings


def test_duplicate_keys_are_found_by_both_loaders(tmp_path, monkeypatch):
    path = tmp_path / "dup.yaml"
    path.write_text("x:\n  a: 1\n  b: 2\n  a: 3\n", encoding="utf-8")
    fast, fallback = load_both(path, monkeypatch)
    assert fast == fallback
    assert fast[1] == [(4, "重复的键“a”（第 2 行已出现），请删除其中一个")]


def test_a_control_character_is_a_message_not_a_traceback(tmp_path, monkeypatch):
    path = tmp_path / "ctl.yaml"
    path.write_text("a: b\x01c\n", encoding="utf-8")
    fast, fallback = load_both(path, monkeypatch)
    for data, findings in (fast, fallback):
        assert data is None and findings[0][1] == "YAML 语法错误：文件中含有不可见的控制字符，请删除后重试"


NESTED_CHILD = """
import sys
from pathlib import Path
from assess.config.yamlio import load_yaml
print(load_yaml(Path(sys.argv[1]), "deep.yaml")[1][0].message)
"""


@pytest.mark.parametrize("opening, closing", [("[", "]"), ("{a: ", "}")])
def test_a_million_levels_of_nesting_are_refused_without_crashing(tmp_path, opening, closing):
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + opening * 1_000_000 + "1" + closing * 1_000_000 + "\n", encoding="utf-8")
    child = subprocess.run([sys.executable, "-c", NESTED_CHILD, str(path)], capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr  # libyaml's own C composer would overflow the stack here
    assert child.stdout.strip() == "YAML 嵌套层数过多（方括号、花括号或缩进层层套叠），无法读取，请检查文件内容"
