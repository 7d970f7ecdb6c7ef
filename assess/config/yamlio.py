"""YAML loading that remembers line numbers, so every error can point at `file:line`."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

try:
    from yaml._yaml import CParser  # libyaml's scanner and parser, in C
except ImportError:  # PyYAML built without libyaml: the pure-Python parser gives the same results
    CParser = None  # type: ignore[assignment,misc]  # the stubs cannot express an optional extension

from assess.errors import Finding, os_error_text

M = TypeVar("M", bound=BaseModel)


class LineDict(dict):
    """A mapping from YAML that knows the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[Any, int]


class LineList(list):
    """A sequence from YAML that knows the line of each item (1-based)."""

    line: int = 0
    item_lines: list[int]


class _LineConstructor(SafeConstructor):
    """Safe constructor building LineDict/LineList and rejecting duplicate keys."""

    def __init__(self, source: str):
        super().__init__()
        self.source = source
        self.findings: list[Finding] = []

    def construct_mapping(self, node, deep=False):
        mapping = LineDict()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, Hashable):  # "? [a, b]" makes a list a key
                raise ConstructorError("while constructing a mapping", node.start_mark, "found unhashable key", key_node.start_mark)
            if key in mapping:
                self.findings.append(
                    Finding(
                        path=self.source,
                        line=line,
                        message=f"重复的键“{key}”（第 {mapping.key_lines[key]} 行已出现），请删除其中一个",
                    )
                )
                continue
            mapping[key] = self.construct_object(value_node, deep=True)
            mapping.key_lines[key] = line
        return mapping

    def construct_sequence(self, node, deep=False):
        items = LineList(self.construct_object(child, deep=True) for child in node.value)
        items.line = node.start_mark.line + 1
        items.item_lines = [child.start_mark.line + 1 for child in node.value]
        return items


# PyYAML's stubs bind add_constructor to loaders, not to a constructor mixin like this one.
_LineConstructor.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineConstructor.construct_mapping)  # type: ignore[type-var]
_LineConstructor.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _LineConstructor.construct_sequence)  # type: ignore[type-var]


class PythonLineLoader(Reader, Scanner, Parser, Composer, _LineConstructor, Resolver):
    """PyYAML's pure-Python safe loader with the line-aware constructor (when libyaml is absent)."""

    def __init__(self, stream: str, source: str):
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _LineConstructor.__init__(self, source)
        Resolver.__init__(self)


LineLoader: type = PythonLineLoader
if CParser is not None:

    class LibyamlLineLoader(Composer, CParser, _LineConstructor, Resolver):
        """libyaml scans and parses (several times faster); PyYAML's Python composer builds the nodes.

        The composer stays in Python on purpose: libyaml's own composer recurses in C, so a file nested
        a hundred thousand levels deep would crash the process instead of raising RecursionError.
        """

        def __init__(self, stream: str, source: str):
            CParser.__init__(self, stream)
            Composer.__init__(self)
            _LineConstructor.__init__(self, source)
            Resolver.__init__(self)

    LineLoader = LibyamlLineLoader


MAX_NODES = 200_000
"""Values a YAML file may hold once its aliases are expanded: a hand-written file has a few thousand.

Aliases (*name) share one object, so a "billion laughs" file loads instantly, but anything that
walks or prints it (a message quoting a value) would take hours: such files are refused up front.
"""


def _expanded_size(value: Any, limit: int, sizes: dict[int, int] | None = None) -> int:
    """How many values `value` holds with every alias expanded, counting no further than `limit`."""
    sizes = {} if sizes is None else sizes
    if not isinstance(value, (dict, list)):
        return 1
    if id(value) not in sizes:
        children = value.values() if isinstance(value, dict) else value
        total = 1
        for child in children:
            total += _expanded_size(child, limit, sizes)
            if total > limit:
                break
        sizes[id(value)] = total
    return sizes[id(value)]


TOO_DEEP = "YAML 嵌套层数过多（方括号、花括号或缩进层层套叠），无法读取，请检查文件内容"

ESCAPE = "双引号中的反斜杠 \\ 转义无效（路径请改用单引号或正斜杠 /）"

SYNTAX_PROBLEMS = {
    "exceeded maximum nesting depth": TOO_DEEP,
    "mapping values are not allowed": "此处不能出现冒号（冒号后须有空格；值里含冒号时请给整个值加引号）",
    "did not find expected ',' or ']'": "方括号 [ ] 没有配对，或列表项之间缺少逗号",
    "expected ',' or ']'": "方括号 [ ] 没有配对，或列表项之间缺少逗号",
    "did not find expected ',' or '}'": "花括号 { } 没有配对，或各项之间缺少逗号",
    "expected ',' or '}'": "花括号 { } 没有配对，或各项之间缺少逗号",
    "found character that cannot start any token": "出现了不能作为开头的字符（例如制表符 Tab 或 @、`），请改用空格缩进，或给值加引号",
    "found a tab character": "出现了制表符 Tab，请改用空格缩进",
    "found unexpected end of stream": "文件在引号或括号闭合之前就结束了，请检查引号和括号是否成对",
    "did not find expected key": "缩进不一致，或一行中缺少“键: 值”的冒号",
    "could not find expected ':'": "缺少冒号（应写成“键: 值”）",
    "did not find expected node content": "此处缺少内容（例如“- ”后面为空或多写了符号）",
    "did not find expected '-' indicator": "列表项的缩进不一致（各项“- ”应对齐）",
    "block sequence entries are not allowed": "此处不能出现列表项“- ”，请检查缩进",
    "found undefined alias": "引用了未定义的别名（*名称），请先用 &名称 定义",
    "found duplicate anchor": "同一个锚点（&名称）定义了两次",
    "found unknown escape character": ESCAPE,
    "expected escape sequence": ESCAPE,
    "did not find expected hexdecimal number": ESCAPE,
    "could not determine a constructor for the tag": "使用了不支持的类型标记（以 ! 开头），请删除",
    "found undefined tag handle": "使用了不支持的类型标记（以 ! 开头），请删除",
    "unacceptable character": "文件中含有不可见的控制字符，请删除后重试",
    "control characters are not allowed": "文件中含有不可见的控制字符，请删除后重试",
    "but found another document": "文件中有多段内容（以 --- 分隔），只应有一段",
    "<document start>": "顶层内容结束后又出现了内容，请检查缩进",
}
"""PyYAML's and libyaml's problem texts, by how they begin, in the Chinese the office reads."""


def syntax_message(problem: str) -> str:
    """Chinese message for a YAML syntax problem: a library's English never reaches the user."""
    for english, chinese in SYNTAX_PROBLEMS.items():
        if english in problem:
            return chinese if chinese == TOO_DEEP else f"YAML 语法错误：{chinese}"
    return "YAML 语法错误：格式不正确（请检查缩进、冒号和引号）"


def load_yaml(path: Path, source: str) -> tuple[Any, list[Finding]]:
    """Parse a YAML file; return its data (None on failure) and the problems found.

    `source` is the name used in messages (the path relative to the project).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [Finding(path=source, message="文件不是 UTF-8 编码，请用 UTF-8 另存后重试")]
    except OSError as exc:
        return None, [Finding(path=source, message=f"无法读取文件：{os_error_text(exc)}")]
    loader = None
    try:
        loader = LineLoader(text, source)  # the pure-Python reader already rejects control characters here
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        return None, [Finding(path=source, line=line, message=syntax_message(exc.problem or ""))]
    except yaml.YAMLError as exc:
        return None, [Finding(path=source, message=syntax_message(str(exc)))]
    except RecursionError:
        return None, [Finding(path=source, message=TOO_DEEP)]
    finally:
        if loader is not None:
            loader.dispose()
    if _expanded_size(data, MAX_NODES) > MAX_NODES:
        message = f"用 & 锚点和 * 别名层层引用，展开后超过 {MAX_NODES} 项，疑似恶意文件，未读取。请不要嵌套使用别名"
        return None, [Finding(path=source, message=message)]
    return data, loader.findings


def validate_items(model: type[M], items: Any) -> list[M | None]:
    """Validate list entries one by one, so checks can still run on the valid ones."""
    if not isinstance(items, list):
        return []
    results: list[M | None] = []
    for item in items:
        try:
            results.append(model.model_validate(item))
        except ValidationError:
            results.append(None)
    return results


def line_of(data: Any, loc: tuple[Any, ...]) -> int | None:
    """Best line for a location path (as pydantic reports it) inside data from `load_yaml`."""
    line = getattr(data, "line", None)
    node = data
    for part in loc:
        if isinstance(node, LineDict) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line


_TYPE_NAMES = {
    "string_type": "文本",
    "list_type": "列表",
    "dict_type": "键值映射",
    "model_type": "键值映射",
    "model_attributes_type": "键值映射",
    "bool_type": "是/否（true/false）",
    "bool_parsing": "是/否（true/false）",
    "int_type": "整数",
    "int_parsing": "整数",
    "int_from_float": "整数",
    "float_type": "数字",
    "float_parsing": "数字",
    "date_type": "日期（如 2023-07-15）",
    "date_parsing": "日期（如 2023-07-15）",
    "date_from_datetime_parsing": "日期（如 2023-07-15）",
    "date_from_datetime_inexact": "日期（如 2023-07-15）",
}


def _field_name(loc: tuple[Any, ...]) -> str:
    """Render a pydantic location as `a.b[2].c`, the way a YAML author reads it."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "（文件顶层）"


def describe_error(error: ErrorDetails) -> str:
    """Translate one pydantic error into a Chinese sentence saying what was expected."""
    kind = error["type"]
    field = _field_name(tuple(error["loc"]))
    received = error.get("input")
    if kind == "missing":
        return f"缺少必填字段“{field}”"
    if kind == "extra_forbidden":
        return f"未知字段“{field}”（是否拼写错误？）"
    if kind == "literal_error":
        return f"字段“{field}”的取值“{received}”无效，可选值：{error['ctx']['expected']}"
    if kind == "value_error":
        return f"字段“{field}”：{error['ctx']['error']}"
    if kind in _TYPE_NAMES:
        return f"字段“{field}”应为{_TYPE_NAMES[kind]}，实际为“{received}”"
    return f"字段“{field}”的取值“{received}”无效（{error['msg']}）"


def validate_data(model: type[M], data: Any, source: str) -> tuple[M | None, list[Finding]]:
    """Validate parsed YAML against a pydantic model, turning every error into a located finding."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        findings = [
            Finding(path=source, line=line_of(data, tuple(err["loc"])), message=describe_error(err))
            for err in exc.errors()
        ]
        return None, findings


@dataclass
class Loaded(Generic[M]):
    """A validated YAML file: the model (None if invalid), its problems, and a line finder."""

    model: M | None
    findings: list[Finding]
    data: Any = None

    def line(self, loc: tuple[Any, ...]) -> int | None:
        """Line of a location inside the file, for findings raised after validation."""
        return line_of(self.data, loc)


def load_model(model: type[M], path: Path, source: str) -> Loaded[M]:
    """Parse and validate one YAML file, collecting every problem instead of stopping at one."""
    data, findings = load_yaml(path, source)
    if data is None:
        return Loaded(None, findings or [Finding(path=source, message="文件为空")])
    parsed, errors = validate_data(model, data, source)
    return Loaded(parsed, findings + errors, data)
