"""Evidence index: walks evidence/ (read-only) and records what each file is and what is wrong with it.

The data model it fills is `assess.evidence.model`; the walk is `assess.evidence.walk`. Here:
`init_evidence` (one folder per indicator), `build_index` (the last index again when nothing changed,
else an incremental, parallel walk) and `write_index_json`. Nothing under evidence/ is ever written,
renamed or touched by the index.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import pickle
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import TypeAdapter, ValidationError
from pydantic_core import to_json

from assess.atomic import atomic_path, write_text
from assess.caches import EVIDENCE_CACHE, code_stamp
from assess.config.project import Project
from assess.config.standard import Indicator
from assess.errors import AssessError, ExitCode, os_error_text
from assess.evidence.cache import AnalysisCache, Cached, LastIndex
from assess.evidence.dates import FoundDate, date_from_name
from assess.evidence.folders import FolderMatcher, department_of, folder_name
from assess.evidence.model import DateSource, EvidenceFile, EvidenceIndex, Flag, IndexStats
from assess.evidence.sniff import KIND_EXTENSIONS, VIEWABLE_KINDS, Analysis, analyse
from assess.evidence.walk import GUIDE_FILE, Entry, gbk_reading, is_junk, walk

if TYPE_CHECKING:
    from rich.progress import Progress

INDEX_FILE = "evidence-index.json"
INDEX_CODE = (
    "assess.evidence.index",
    "assess.evidence.cache",
    "assess.evidence.dates",
    "assess.evidence.folders",
    "assess.evidence.model",
    "assess.evidence.sniff",
    "assess.evidence.walk",
)
"""The modules whose code decides an index entry: an index made by other code is not reused."""

ARCHIVE_KINDS = {"zip", "rar", "7z", "gzip"}
LONG_RUN_FILES = 200
LONG_RUN_BYTES = 256 << 20
"""A progress bar appears only when at least this many files or bytes have to be read."""
COMMIT_EVERY = 500

SOURCE_TEXT = {"filename": "取自文件名", "pdf": "取自 PDF 文档属性", "exif": "取自照片拍摄信息"}

# Every message the index shows the office, in one place.
MESSAGES = {
    "empty": "文件为空（0 字节），可能保存或复制失败，请重新放入",
    "corrupt": "文件无法使用：{problem}。请从原件重新扫描或导出",
    "encrypted": "文件设有打开密码，评审专家无法查看。请去除密码后重新保存",
    "archive": "压缩包（{kind}）：评审专家无法直接查看其中内容。请解压后把文件放入对应指标文件夹",
    "shortcut": "这是快捷方式，不是文件本身。请把原文件复制到此处",
    "exe": "程序文件不能作为佐证材料，请删除",
    "wrong_extension": "文件内容是 {kind}，扩展名却是“{extension}”，双击打开时可能出错。请把扩展名改为“.{expected}”",
    "no_extension": "文件内容是 {kind}，但文件名没有扩展名，双击无法打开。请在文件名末尾加上“.{expected}”",
    "bad_name": (
        "文件名或所在文件夹名不是 UTF-8 编码（常见于在 Windows 上打包、在其他系统上解压的压缩包），"
        "报告和表格无法引用该文件。请改名为“{reading}”，或用支持 GBK 编码的解压工具重新解压"
    ),
    "audio": "音频文件：评审专家不便查看。请附会议纪要或文字记录",
    "ole": "旧版 Office 文件，但扩展名“{extension}”无法判断是文档还是表格。请用正确的扩展名（.doc、.xls 等）另存",
    "unknown": "无法识别的文件类型（扩展名“{extension}”）。请转换为 PDF 或图片",
    "out_of_period": (
        "材料日期 {date}（{source}）不在创建期间（{start} 至 {end}）内。"
        "如为创建前出台、现仍有效的政策文件，可保留并在自评说明中注明；否则请补充创建期间的材料"
    ),
    "duplicate": "与以下文件内容完全相同：{others}。同一材料佐证多项指标时可保留，否则请删除多余的副本",
    "root": "文件直接放在 {evidence}/ 下，不属于任何指标。请移到对应指标的文件夹（如“{example}”）中",
    "no_indicator": "所在文件夹“{folder}”不对应任何指标：文件夹名应以指标编号开头，如“{example}”",
    "department_folder": "“{folder}”是部门名称：请先按指标建文件夹，再在其中建部门子文件夹，如“{example}/{folder}/”",
    "no_evidence_folder": "找不到佐证材料文件夹“{folder}”。请先运行 assess init-evidence 为每项指标创建文件夹",
    "cannot_create": "{path}：无法创建（{reason}）",
    "not_a_folder": "{path} 是一个文件，不是文件夹：请改名或移走后再运行",
    "progress": "正在读取佐证材料",
}

GUIDE = """指标 {label}　{title}
（本说明由 assess init-evidence 生成，不计入佐证材料，可保留或删除。）

【原文要求】
{requirement}

【责任单位】
牵头：{lead}
配合：{support}

【典型佐证材料】
{evidence}

【文件命名】
文件名请写明日期和发文单位，例如：
  2023年7月15日-{department}-关于……的通知.pdf
  ×卫健发〔2023〕12号-关于……的通知.pdf
日期可写作 2023年7月15日、20230715、2023-07-15、2023.7.15；只知道月份时写 2023年7月。
工具按文件名中的日期判断材料是否在创建期间（{start} 至 {end}）内；文件名没有日期时，才读取 PDF 的
创建日期或照片的拍摄日期，从不使用文件的修改时间。

【按部门存放】
可在本文件夹下建立以部门命名的子文件夹（如“{department}/”），工具据此记录材料由哪个部门提供。

【请勿】
放入压缩包、快捷方式或设有密码的文件；纸质材料请扫描为 PDF。
"""


class EvidenceFolderMissing(AssessError):
    """The project's evidence folder does not exist yet."""

    exit_code = ExitCode.INVALID_INPUT


class EvidenceFolderError(AssessError):
    """init-evidence could not create a folder or guide (permissions, a file in the way)."""


# --- init-evidence ---------------------------------------------------------------------------


def init_evidence(project: Project) -> list[Path]:
    """Create the folder (and its 说明.txt) of every indicator that has none; touch nothing else."""
    root = project.path("evidence")
    created: list[Path] = []
    if not root.exists():
        _create_folder(root)
        created.append(root)
    elif not root.is_dir():
        raise EvidenceFolderError(MESSAGES["not_a_folder"].format(path=root))
    matcher = FolderMatcher(project.standard)
    has_folder = {indicator.id for _, indicator in _indicator_folders(root, matcher)}
    for indicator in project.standard.indicators:
        folder = root / folder_name(indicator)
        if indicator.id in has_folder or folder.exists():
            continue
        _create_folder(folder)
        guide = folder / GUIDE_FILE
        with atomic_path(guide) as temp:
            temp.write_bytes(guide_text(project, indicator).replace("\n", "\r\n").encode("utf-8-sig"))
        created += [folder, guide]
    return created


def _create_folder(folder: Path) -> None:
    """mkdir that never replaces anything, with a Chinese error."""
    try:
        folder.mkdir(parents=True)
    except OSError as exc:
        raise EvidenceFolderError(MESSAGES["cannot_create"].format(path=folder, reason=os_error_text(exc))) from exc


def guide_text(project: Project, indicator: Indicator) -> str:
    """The 说明.txt of one indicator: requirement, departments, typical evidence and naming advice."""
    start, end = project.config.period
    lead, support = indicator.departments.lead, indicator.departments.support
    return GUIDE.format(
        label=indicator.label,
        title=indicator.title,
        requirement=indicator.requirement,
        lead="、".join(lead) or "（未指定）",
        support="、".join(support) or "无",
        evidence="\n".join(f"- {item}" for item in indicator.evidence) or "- （标准未列出，请按原文要求准备）",
        department=(lead or ["区卫健委"])[0],
        start=start,
        end=end,
    )


def _indicator_folders(root: Path, matcher: FolderMatcher) -> Iterable[tuple[str, Indicator]]:
    """(folder name, indicator) for every top-level folder that names an indicator, sorted by name."""
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if entry.is_dir(follow_symlinks=False) and not is_junk(entry.name, folder=True):
            indicator = matcher.match(entry.name)
            if indicator is not None:
                yield entry.name, indicator


# --- build_index -----------------------------------------------------------------------------


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the index is built: nearly every object it makes lives until it returns.

    Collecting meanwhile only walks them again: in a long-lived process with many objects (`assess
    build`, the bench) a collection landing in a warm run doubles it. A cold run leaves a few hundred
    cyclic objects (exceptions of damaged files), which the next collection frees.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@_collector_paused()
def build_index(project: Project, *, rehash: bool = False, progress: bool = False) -> EvidenceIndex:
    """Index evidence/: the last index if nothing changed, else only changed files described and unknown ones read."""
    root = project.path("evidence")
    if not root.is_dir():
        raise EvidenceFolderMissing(MESSAGES["no_evidence_folder"].format(folder=project.config.paths.evidence))
    entries, ignored, top_folders = walk(root)
    basis = _basis(project, root)
    fingerprint = _fingerprint(basis, entries, ignored, top_folders)
    with AnalysisCache(project.path("output") / EVIDENCE_CACHE) as cache:
        last = None if rehash else cache.last_index(basis)
        last_index = _parsed(last.index_json) if last is not None else None
        if last is not None and last_index is not None and last.fingerprint == fingerprint:
            last_index.stats = IndexStats(files=len(entries), reused=sum(1 for entry in entries if entry.size))
            return last_index
        unchanged = _unchanged(last, last_index, entries)
        fresh = [entry for entry in entries if entry.path not in unchanged]
        known, stats = _analysed(cache, fresh, rehash, progress)
        stats.files = len(entries)
        stats.reused += sum(1 for file in unchanged.values() if file.size)
        matcher = FolderMatcher(project.standard)
        described = iter(_describe(project, matcher, fresh, known))
        files = _with_duplicates([unchanged[entry.path] if entry.path in unchanged else next(described) for entry in entries])
        index = EvidenceIndex(files=files, ignored=ignored, folders=_folders(top_folders, matcher), stats=stats)
        cache.keep_only({entry.path for entry in entries})
        settled = not any(facts.analysis.unreadable for facts in known.values())  # a failed read is retried next run
        mtimes_json = json.dumps([entry.mtime_ns for entry in entries]).encode()
        cache.keep_index(basis, LastIndex(fingerprint, mtimes_json, index.model_dump_json().encode()) if settled else None)
    return index


def _basis(project: Project, root: Path) -> bytes:
    """What every entry of an index depends on besides its own file: this code and the project's configuration."""
    config = [part.model_dump_json() for part in (project.config, project.standard, project.registry)]
    return hashlib.sha256(pickle.dumps((code_stamp(*INDEX_CODE), str(root), config), protocol=pickle.HIGHEST_PROTOCOL)).digest()


def _fingerprint(basis: bytes, entries: list[Entry], ignored: list[str], top_folders: list[str]) -> bytes:
    """Everything an index is made from: the basis and what the walk saw, empty folders and ignored entries included.

    Each file counts by where it is on disk (its folder and undecoded name), size and mtime_ns.
    """
    # Plain tuples pickle 3x faster; a folder's string is shared by its files, so pickled once.
    files = [(entry.disk_folder, entry.raw_name, entry.size, entry.mtime_ns) for entry in entries]
    walked = pickle.dumps((files, ignored, top_folders), protocol=pickle.HIGHEST_PROTOCOL)
    return hashlib.sha256(basis + walked).digest()


def _parsed(index_json: bytes) -> EvidenceIndex | None:
    """A kept index, or None if this code cannot read it."""
    try:
        return EvidenceIndex.model_validate_json(index_json)
    except ValidationError:
        return None


def _unchanged(last: LastIndex | None, index: EvidenceIndex | None, entries: list[Entry]) -> dict[str, EvidenceFile]:
    """The last index's entries of files whose size and mtime_ns are unchanged, by path (like the cached facts).

    They keep their duplicate flags: _with_duplicates puts them right, as those depend on every file.
    """
    if last is None or index is None:
        return {}
    try:
        made = {file.path: (file, mtime_ns) for file, mtime_ns in zip(index.files, json.loads(last.mtimes_json), strict=True)}
    except (ValueError, TypeError):  # not as this code keeps them: every file is described afresh
        return {}
    unchanged = {}
    for entry in entries:
        file, mtime_ns = made.get(entry.path, (None, None))
        if file is not None and (file.size, mtime_ns) == entry.key:
            unchanged[entry.path] = file
    return unchanged


def _analysed(cache: AnalysisCache, entries: list[Entry], rehash: bool, progress: bool) -> tuple[dict[str, Cached], IndexStats]:
    """Facts of these files (empty ones excepted): from the cache while size and mtime are unchanged, else read now."""
    stats = IndexStats()
    readable = [entry for entry in entries if entry.size]  # an empty file has nothing to read: flagged as empty
    stored = {} if rehash else cache.load([entry.path for entry in readable])
    known: dict[str, Cached] = {}
    pending: list[Entry] = []
    for entry in readable:
        hit = stored.get(entry.path)
        if hit is not None and hit.key == entry.key:
            known[entry.path] = hit
        else:
            pending.append(entry)
    stats.reused = len(known)
    name_dates = {entry.path: date_from_name(entry.stem) for entry in pending}
    for done, (entry, analysis) in enumerate(_analyse_all(pending, name_dates, progress), start=1):
        known[entry.path] = fresh = Cached(entry.key, analysis, name_dates[entry.path])
        if analysis.unreadable is None:  # a failed or unstable read is retried next time
            cache.store(entry.path, fresh)
        stats.analysed += 1
        stats.bytes_analysed += entry.size
        if done % COMMIT_EVERY == 0:
            cache.commit()
    return known, stats


def _analyse_all(
    pending: list[Entry], name_dates: dict[str, FoundDate | None], progress: bool
) -> Iterable[tuple[Entry, Analysis]]:
    """Analyse files on a thread pool (hashing and I/O release the GIL), in completion order.

    The embedded date (PDF, EXIF) is read only for files whose name carries no date. One file with
    no progress bar (a touched one, say) is read in this thread: starting a pool costs 0.3 ms.
    """
    if not pending:
        return
    total = sum(entry.size for entry in pending)
    bar = progress_bar(progress, len(pending), total)
    if bar is None and len(pending) == 1:
        [entry] = pending
        yield entry, _analyse(entry, name_dates)
        return
    from concurrent.futures import (  # only when files are read
        ThreadPoolExecutor,
        as_completed,
    )

    pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 2)
    try:
        with bar or nullcontext():
            task = bar.add_task(MESSAGES["progress"], total=total) if bar else None
            futures = {pool.submit(_analyse, entry, name_dates): entry for entry in pending}
            for future in as_completed(futures):
                entry = futures[future]
                if bar and task is not None:
                    bar.advance(task, entry.size)
                yield entry, future.result()
    finally:
        pool.shutdown(cancel_futures=True)  # on Ctrl-C, stop at the files being read, not after all of them


def _analyse(entry: Entry, name_dates: dict[str, FoundDate | None]) -> Analysis:
    """What one file is; its embedded date only if its name carries none."""
    return analyse(entry.absolute, entry.key, embedded_date=name_dates[entry.path] is None)


def progress_bar(wanted: bool, count: int, total: int) -> Progress | None:
    """A transient rich progress bar on stderr, only for long runs on a terminal."""
    if not (wanted and (count >= LONG_RUN_FILES or total >= LONG_RUN_BYTES)):
        return None
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    if not console.is_terminal:
        return None
    return Progress(
        TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(), console=console, transient=True
    )


def _describe(
    project: Project, matcher: FolderMatcher, entries: list[Entry], known: dict[str, Cached]
) -> list[EvidenceFile]:
    """One EvidenceFile per entry: placement, content facts, date and every flag except duplicates."""
    placements: dict[tuple[str, ...], tuple[str | None, str | None, Flag | None]] = {}
    root = project.path("evidence")
    period = project.config.period
    files = []
    for entry in entries:
        placement = placements.get(entry.folders)
        if placement is None:
            placement = placements[entry.folders] = _place(project, matcher, entry.folders)
        indicator_id, department, misplaced = placement
        facts = known.get(entry.path)
        analysis, name_date = (facts.analysis, facts.name_date) if facts else (_NOTHING_READ, date_from_name(entry.stem))
        found, source = _evidence_date(name_date, analysis)
        flags = _content_flags(entry, analysis)
        if entry.misencoded:
            flags.append(_bad_name(root, entry))
        if misplaced:
            flags.append(misplaced)
        if found and source and found.outside(*period):
            flags.append(_out_of_period(project, found, source))
        files.append({
            "path": entry.path,
            "indicator_id": indicator_id,
            "department": department,
            "size": entry.size,
            "mtime": entry.mtime,
            "sha256": analysis.sha256,
            "kind": analysis.kind,
            "pages": analysis.pages,
            "width": analysis.width,
            "height": analysis.height,
            "evidence_date": found.value if found else None,
            "date_source": source,
            "date_precision": found.precision if found else None,
            "flags": flags,
        })
    return _FILE_LIST.validate_python(files)  # one call for all files: half the cost of a model per file


_FILE_LIST = TypeAdapter(list[EvidenceFile])


_NOTHING_READ = Analysis(sha256="e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", kind="unknown")
"""What an empty file is: nothing was read (its SHA-256 is that of no bytes)."""


def _place(project: Project, matcher: FolderMatcher, folders: tuple[str, ...]) -> tuple[str | None, str | None, Flag | None]:
    """(indicator id, department, misplaced flag) for a file inside these folders."""
    example = folder_name(project.standard.indicators[0])
    if not folders:
        message = MESSAGES["root"].format(evidence=project.config.paths.evidence, example=example)
        return None, None, Flag(code="misplaced", message=message)
    indicator = matcher.match(folders[0])
    if indicator is not None:
        return indicator.id, department_of(list(folders[1:]), project.registry), None
    if project.registry.find(folders[0]) is not None:
        message = MESSAGES["department_folder"].format(folder=folders[0], example=example)
    else:
        suggestion = matcher.suggest(folders[0])
        message = MESSAGES["no_indicator"].format(folder=folders[0], example=suggestion or example)
    return None, department_of(list(folders), project.registry), Flag(code="misplaced", message=message)


def _evidence_date(name_date: FoundDate | None, analysis: Analysis) -> tuple[FoundDate | None, DateSource | None]:
    """The file name's date first, else the date embedded in the content; never the mtime."""
    if name_date:
        return name_date, "filename"
    if analysis.embedded_date:
        return FoundDate(analysis.embedded_date, "day"), analysis.embedded_date_source
    return None, None


def _content_flags(entry: Entry, analysis: Analysis) -> list[Flag]:
    """Flags about the bytes themselves: empty, damaged, locked or of a kind a reviewer cannot open."""
    if entry.size == 0:
        return [Flag(code="empty", message=MESSAGES["empty"])]
    if analysis.unreadable:
        return [Flag(code="unreadable", message=analysis.unreadable)]
    if analysis.problem:
        return [Flag(code="corrupt", message=MESSAGES["corrupt"].format(problem=analysis.problem))]
    if analysis.encrypted:
        return [Flag(code="encrypted", message=MESSAGES["encrypted"])]
    if analysis.kind not in VIEWABLE_KINDS:
        return [Flag(code="unsupported", message=_unsupported_message(entry, analysis.kind))]
    extensions = KIND_EXTENSIONS.get(analysis.kind)
    extension = entry.suffix
    if extensions and extension.lower().lstrip(".") not in extensions:
        key = "wrong_extension" if extension else "no_extension"
        message = MESSAGES[key].format(kind=analysis.kind.upper(), extension=extension, expected=extensions[0])
        return [Flag(code="wrong_extension", message=message)]
    return []


def _bad_name(root: Path, entry: Entry) -> Flag:
    """A name the reports cannot refer to, with what it most likely says (read as GBK)."""
    reading = "/".join(gbk_reading(part) for part in entry.absolute.relative_to(root).parts)
    return Flag(code="bad_name", message=MESSAGES["bad_name"].format(reading=reading))


def _unsupported_message(entry: Entry, kind: str) -> str:
    """Why a kind cannot serve as evidence, and what to do instead."""
    extension = entry.suffix or "无"
    if kind in ARCHIVE_KINDS:
        return MESSAGES["archive"].format(kind=kind)
    key = kind if kind in ("shortcut", "exe", "audio", "ole") else "unknown"
    return MESSAGES[key].format(extension=extension)


def _out_of_period(project: Project, found: FoundDate, source: DateSource) -> Flag:
    """A warning, not a blocker: older policy documents can still be valid evidence."""
    start, end = project.config.period
    message = MESSAGES["out_of_period"].format(date=found.text, source=SOURCE_TEXT[source], start=start, end=end)
    return Flag(code="out_of_period", message=message)


def _with_duplicates(files: list[EvidenceFile]) -> list[EvidenceFile]:
    """Flag every copy of content that appears more than once, naming all the other places.

    An entry from the last index comes with its duplicate flag: it is copied only if that flag changes.
    """
    # Counted first: a list per file (a defaultdict) took twice as long, and most contents appear once.
    counts = Counter([file.sha256 for file in files if file.size and file.sha256])  # an unreadable file has no hash
    copied: dict[str, list[str]] = {sha256: [] for sha256, count in counts.items() if count > 1}
    for file in files:
        if file.sha256 in copied:
            copied[file.sha256].append(file.path)
    result = []
    for file in files:
        copies = copied.get(file.sha256)
        if copies or (file.flags and file.flags[-1].code == "duplicate"):
            file = _duplicate_flagged(file, copies)
        result.append(file)
    return result


def _duplicate_flagged(file: EvidenceFile, copies: list[str] | None) -> EvidenceFile:
    """The entry with a duplicate flag last, naming the other places of its content (none if there are none)."""
    had = file.flags[-1] if file.flags and file.flags[-1].code == "duplicate" else None
    others = "、".join(path for path in copies if path != file.path) if copies else None
    wanted = MESSAGES["duplicate"].format(others=others) if others else None
    if (had.message if had else None) == wanted:
        return file
    flags = file.flags[:-1] if had else file.flags
    return file.model_copy(update={"flags": [*flags, Flag(code="duplicate", message=wanted)] if wanted else flags})


def _folders(top_folders: list[str], matcher: FolderMatcher) -> dict[str, str]:
    """Indicator id → its folder; the conventional name wins when two folders name one indicator."""
    folders: dict[str, str] = {}
    for name in top_folders:
        indicator = matcher.match(name)
        if indicator is None:
            continue
        if indicator.id not in folders or name == folder_name(indicator):
            folders[indicator.id] = name
    return folders


# --- output ----------------------------------------------------------------------------------


def write_index_json(index: EvidenceIndex, target: Path) -> None:
    """Write the index as JSON (fields documented in the manual, docs/evidence.md), atomically.

    pydantic-core's serializer writes the same text as json.dumps(indent=2, ensure_ascii=False),
    six times faster (json's indented output is pure Python): 20 ms of every `assess index` at 1×.
    """
    document = {"format": "assess-evidence-index", "version": 1, **index.model_dump(mode="json")}
    write_text(target, to_json(document, indent=2).decode() + "\n")
