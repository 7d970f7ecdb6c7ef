"""Generate the sample evidence of 回民区 under evidence/: 示例材料 that look like the real thing.

Every document says 示例 (watermark, footer or label), so no one mistakes it for a real record.
Red-letter documents (红头文件) and meeting minutes are PDFs laid out by WeasyPrint; photos are drawn
with Pillow; lists and statistics are .docx/.xlsx. A handful of deliberate problems show what the
index detects: a truncated PDF, one file in two indicator folders, a 2021 document outside the
creation period, a file at the evidence/ root and a Thumbs.db. Six indicators get no evidence.

Deterministic: fixed dates, seeds and document metadata, so a re-run on the same library versions
gives the same bytes; file modification times play no part. Existing files are never overwritten
unless --force is given. Run:  .venv/bin/python scripts/make_sample_evidence.py [--project DIR] [--force]
"""

from __future__ import annotations

import argparse
import io
import math
import random
import re
import sys
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import docx
import jinja2
import openpyxl
import weasyprint
from docx.shared import Pt
from markupsafe import escape
from openpyxl.styles import Alignment, Font
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assess.atomic import atomic_path, write_reproducible_zip  # noqa: E402
from assess.config.project import Project, load_project  # noqa: E402
from assess.evidence.folders import folder_name  # noqa: E402
from assess.evidence.index import init_evidence  # noqa: E402
from assess.render.fonts import cjk_font_file  # noqa: E402

SERIF = "Noto Serif CJK SC"
"""One font family (regular weight only) for every PDF: each embedded subset costs ~60 KB."""
SAMPLE_NOTE = "示例材料：由 assess 示例脚本生成，用于演示，不是真实公文"
FIXED_TIME = datetime(2024, 6, 30, 12, 0, 0)
"""Document-property time of the generated .docx/.xlsx (their evidence date is in the file name)."""


# --- what to generate --------------------------------------------------------------------------


@dataclass(frozen=True)
class Redhead:
    """A red-letter document: issuing body in red, 文号, red rule, title, body, signature, seal."""

    issuer: str
    docno: str
    title: str
    to: str
    day: date
    paragraphs: tuple[str, ...]
    kind: str = "文件"


@dataclass(frozen=True)
class Minutes:
    """Meeting minutes (会议纪要) with time, place, chair, attendees and decisions."""

    heading: str
    number: str
    issuer: str
    day: date
    place: str
    chair: str
    attendees: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    """A plain report, plan, summary or list, optionally with one table (PDF or .docx by file name)."""

    title: str
    issuer: str
    day: date
    paragraphs: tuple[str, ...]
    table: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Photo:
    """An activity photo: banner text, people, a camera date stamp and a 示例照片 label."""

    banner: str
    taken: datetime
    seed: int
    scene: str = "hall"
    exif: bool = True


@dataclass(frozen=True)
class Sheet:
    """A .xlsx statistics report (统计报表) with a title row and a header."""

    title: str
    issuer: str
    header: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]


@dataclass(frozen=True)
class Truncated:
    """The first part of another sample: a copy interrupted half-way (the corrupt PDF)."""

    spec: Redhead | Report
    keep: float = 0.55


@dataclass(frozen=True)
class CopyOf:
    """The same bytes as another sample (the duplicate in a second indicator folder)."""

    path: str


WJW = "回民区卫生健康委员会"
GOV = "回民区人民政府办公室"
HOSPITAL = "回民区中医医院"

JOINT_MINUTES = "org-3/2023年7月20日 回民区中医药工作联席会议纪要（第1次）.pdf"

# (indicator id or "" for the evidence/ root, path below the indicator folder, what to draw).
SAMPLES: list[tuple[str, str, object]] = [
    ("org-1", "区发改委/2023年7月 回民区“十四五”规划中期评估（中医药部分摘录）.docx", Report(
        "回民区国民经济和社会发展第十四个五年规划中期评估（中医药部分摘录）", "回民区发展和改革委员会", date(2023, 7, 28),
        ("规划将“推进中医药传承创新发展”列入“提升全民健康水平”一章，明确建设区级中医医院、完善基层中医馆网络等任务。",
         "中期评估显示，区中医医院综合楼改造、社区卫生服务中心中医馆建设等项目按计划推进，下一阶段将中医药工作继续纳入年度国民经济和社会发展计划。"))),
    ("org-2", "区委办/2023年6月28日 区委常委会会议纪要（传达学习中医药工作重要论述）.pdf", Minutes(
        "中共回民区委员会常委会会议纪要", "〔2023〕第14期", "中共回民区委员会办公室", date(2023, 6, 28),
        "区委常委会议室", "区委书记", "区委常委，区政府副区长，区卫健委、区财政局、区医保局主要负责同志",
        ("会议传达学习了习近平总书记关于中医药工作的重要论述和《中华人民共和国中医药法》有关内容。",
         "会议要求，各部门要把创建全国基层中医药工作示范区作为重要民生工程，纳入年度重点工作，区卫健委牵头制定创建方案，各责任单位按分工抓好落实。"))),
    ("org-2", "区委办/2023年6月28日 区委常委会学习现场.jpg", Photo("区委常委会（扩大）会议 传达学习中医药工作重要论述", datetime(2023, 6, 28, 9, 12), 11)),
    ("org-3", "区政府办/回政办发〔2023〕18号 关于建立中医药工作联席会议制度的通知（2023年7月5日）.pdf", Redhead(
        GOV, "回政办发〔2023〕18号", "回民区人民政府办公室关于建立回民区中医药工作联席会议制度的通知",
        "各街道办事处、攸攸板镇人民政府，区直各有关部门：", date(2023, 7, 5),
        ("为统筹推进我区中医药事业发展，经区人民政府同意，建立回民区中医药工作联席会议制度。",
         "联席会议由分管副区长任召集人，区卫健委、区发改委、区财政局、区人社局、区医保局、区市场监管局等部门为成员单位，办公室设在区卫健委。",
         "联席会议原则上每半年召开一次，研究中医药发展规划、标准制定、诊疗管理等重大事项，遇重要情况可随时召开。"))),
    ("org-3", "2023年7月20日 回民区中医药工作联席会议纪要（第1次）.pdf", Minutes(
        "回民区中医药工作联席会议纪要", "第1期", "回民区中医药工作联席会议办公室", date(2023, 7, 20),
        "区政府三楼会议室", "分管副区长", "联席会议各成员单位分管负责同志",
        ("会议听取了区卫健委关于创建全国基层中医药工作示范区工作进展的汇报，逐项对照推进方案建设指标研究了任务分工。",
         "会议议定：一、区财政局将中医药发展专项资金列入年度预算；二、区医保局研究将中医适宜技术纳入医保支付；三、区卫健委每季度通报创建进度，纳入对各成员单位的考核。"))),
    ("org-4", "区卫健委/回卫健发〔2023〕12号 关于印发创建示范区实施方案的通知（2023年6月20日）.pdf", Redhead(
        WJW, "回卫健发〔2023〕12号", "回民区卫生健康委员会关于印发《回民区创建全国基层中医药工作示范县（区）实施方案》的通知",
        "各社区卫生服务中心、攸攸板镇卫生院，区中医医院：", date(2023, 6, 20),
        ("现将《回民区创建全国基层中医药工作示范县（区）实施方案》印发给你们，请结合实际认真贯彻落实。",
         "创建工作分筹备、实施、整改提升三个阶段推进，各单位要明确专人负责，按时报送工作进展和佐证材料。"))),
    ("org-4", "区卫健委/2023年12月 回民区基层中医药工作年度总结.docx", Report(
        "回民区2023年基层中医药工作总结", WJW, date(2023, 12, 28),
        ("2023年，我区以创建全国基层中医药工作示范区为抓手，全年工作完成情况如下（示例）：",),
        (("序号", "工作任务", "完成情况"), ("1", "制定创建方案并召开动员会", "已完成"), ("2", "建立中医药工作联席会议制度", "已完成"),
         ("3", "社区卫生服务中心中医馆建设", "11 家中已建成 10 家"), ("4", "西学中培训", "培训 62 人"),
         ("5", "中医药文化宣传进社区、进校园", "开展活动 36 场")))),
    ("org-5", "区卫健委/2023年8月1日 关于公布创建工作建议和投诉渠道的公告.pdf", Redhead(
        WJW, "2023年第3号", "关于公布回民区创建全国基层中医药工作示范区建议和投诉渠道的公告",
        "", date(2023, 8, 1),
        ("为广泛听取群众意见，现公布创建工作建议和投诉渠道：投诉电话 0471-000000（示例），电子邮箱 example@example.cn（示例）。",
         "区卫健委对收到的建议和投诉逐件登记、核实办理，并在15个工作日内答复。"), kind="公告")),
    ("org-5", "区卫健委/2024年3月 群众中医药服务满意度调查报告.pdf", Report(
        "回民区群众中医药服务满意度调查报告", WJW, date(2024, 3, 25),
        ("2024年2月至3月，委托第三方在各街道、镇随机抽取1200名居民开展问卷调查，回收有效问卷1168份。",
         "调查显示，群众对中医药服务的总体满意率为93.5%，对服务态度、就诊环境的满意率较高，对中医馆开诊时间的意见较为集中。"),
        (("调查项目", "满意率"), ("总体满意率", "93.5%"), ("服务态度", "95.1%"), ("就诊环境", "94.0%"), ("等候时间", "88.7%")))),
    ("dev-1", "区委编办/回编发〔2023〕5号 关于区卫健委加挂中医药管理科牌子的批复（2023年9月8日）.pdf", Redhead(
        "中共回民区委员会机构编制委员会办公室", "回编发〔2023〕5号", "关于回民区卫生健康委员会加挂中医药管理科牌子的批复",
        "回民区卫生健康委员会：", date(2023, 9, 8),
        ("你委《关于设置中医药管理科的请示》收悉。经研究，同意在你委医政医管科加挂中医药管理科牌子，承担全区中医药管理工作。",
         "所需人员编制在你委现有编制内调剂解决。"))),
    ("dev-2", "区人社局/回人社发〔2023〕21号 关于支持基层中医药人才队伍建设的若干措施（2023年10月12日）.pdf", Redhead(
        "回民区人力资源和社会保障局", "回人社发〔2023〕21号", "关于支持基层中医药人才队伍建设的若干措施",
        "区卫健委，各社区卫生服务中心、攸攸板镇卫生院：", date(2023, 10, 12),
        ("一、对长期在基层服务的中医医师，职称晋升时放宽论文、科研等条件。",
         "二、建立高年资中医师带徒制度，带徒成效作为职称评审、评优评先的参考。",
         "三、鼓励退休中医师到基层医疗卫生机构服务和多点执业。"))),
    ("dev-3", "区财政局/回财社〔2023〕33号 关于下达2023年中医药发展专项资金的通知（2023年8月15日）.pdf", Redhead(
        "回民区财政局", "回财社〔2023〕33号", "关于下达2023年中医药发展专项资金的通知",
        "区卫生健康委员会：", date(2023, 8, 15),
        ("经区人民政府同意，下达你委2023年中医药发展专项资金120万元（示例），用于基层中医馆建设、中医药人才培养和中医药文化宣传。",
         "请严格按照专项资金管理办法使用，专款专用，年底前报送资金使用情况。"))),
    ("dev-4", "区委宣传部/中医药宣传专题报道汇编.pdf", Report(
        "回民区中医药宣传专题报道汇编（2023年第三季度）", "中共回民区委员会宣传部", date(2023, 9, 28),
        ("本季度区属媒体刊发中医药专题报道18篇，其中“名中医进社区”系列报道6篇，“中医药文化宣传周”报道5篇。",
         "报道在“回民区发布”微信公众号累计阅读量约4.2万次（示例）。"))),
    ("dev-4", "区融媒体中心/2023年10月26日 中医药文化宣传周活动.jpg", Photo("回民区中医药文化宣传周启动仪式", datetime(2023, 10, 26, 10, 5), 12, "outdoor")),
    ("dev-6", "区科技局/2023年11月 回民区中医药科技发展规划（2023—2025年）.docx", Report(
        "回民区中医药科技发展规划（2023—2025年）", "回民区科学技术局", date(2023, 11, 16),
        ("规划提出，到2025年，支持区中医医院与高校、科研院所合作开展中医药适宜技术研究，培育中医药科技项目3项以上。",
         "设立中医药科技创新专题，对基层中医药适宜技术推广应用给予项目支持。"))),
    ("dev-7", "区医保局/回医保发〔2023〕9号 关于将中医适宜技术纳入医保支付的通知（2023年9月20日）.pdf", Redhead(
        "回民区医疗保障局", "回医保发〔2023〕9号", "关于将部分中医适宜技术纳入医保支付范围的通知",
        "各定点医疗机构：", date(2023, 9, 20),
        ("将针刺、艾灸、拔罐、推拿等12项中医适宜技术纳入基本医疗保险支付范围，报销比例与同级医疗机构西医诊疗项目一致。",
         "各定点医疗机构要规范收费，按规定上传结算信息。"))),
    ("dev-8", "区教育局/2023年9月12日 中医药文化进校园活动（新华小学）.jpg", Photo("中医药文化进校园——新华小学专场", datetime(2023, 9, 12, 14, 30), 13, "classroom")),
    ("dev-8", "区教育局/IMG_20231019_101500.jpg", Photo("中医药知识小课堂", datetime(2023, 10, 19, 10, 15), 14, "classroom")),
    ("dev-8", "区教育局/中医药知识讲座现场.jpg", Photo("中医药健康知识讲座", datetime(2023, 11, 2, 15, 20), 15)),
    ("dev-9", "区卫健委/2023年11月 回民区中医药信息化建设方案.pdf", Truncated(Report(
        "回民区中医药信息化建设方案", WJW, date(2023, 11, 10),
        ("推动各社区卫生服务中心、乡镇卫生院中医馆全部接入中医馆健康信息平台，实现中医电子病历、辨证论治、远程会诊等功能。",
         "区中医医院按电子病历系统应用水平分级评价标准推进信息化建设。")))),
    ("dev-10", "区市场监管局/2023年10月 医疗机构中药制剂监督检查记录.pdf", Report(
        "医疗机构中药制剂监督检查记录", "回民区市场监督管理局", date(2023, 10, 24),
        ("检查对象：回民区中医医院制剂室。检查内容：制剂备案、原料来源、生产记录、质量检验和不良反应监测。",
         "检查结论：制剂备案手续齐全，生产和检验记录完整，未发现违法违规问题。"))),
    ("dev-13", "区文旅体育局/2023年8月8日 全民健身日八段锦展示活动.jpg", Photo("全民健身日 八段锦、太极拳展示活动", datetime(2023, 8, 8, 8, 40), 16, "outdoor")),
    ("dev-14", "区卫健委/回卫健发〔2021〕7号 回民区中医药事业发展规划（2021—2025年）（2021年3月10日）.pdf", Redhead(
        WJW, "回卫健发〔2021〕7号", "回民区卫生健康委员会关于印发《回民区中医药事业发展规划（2021—2025年）》的通知",
        "各社区卫生服务中心、攸攸板镇卫生院，区中医医院：", date(2021, 3, 10),
        ("现将《回民区中医药事业发展规划（2021—2025年）》印发给你们，请认真贯彻执行。",
         "规划明确了“十四五”时期我区中医药服务体系、人才队伍、传承创新和文化建设的主要目标和重点任务。"))),
    ("item-15", "2023年11月20日 回民区中医医院二级甲等中医医院评审结果公示.pdf", Report(
        "关于回民区中医医院通过二级甲等中医医院评审的公示", "内蒙古自治区卫生健康委员会（示例）", date(2023, 11, 20),
        ("根据二级中医医院评审标准，经现场评审和综合评定，回民区中医医院达到二级甲等中医医院标准。",
         "公示期为7个工作日。"))),
    ("item-16", "2024年1月 非中医类医疗机构中医科室设置情况统计表.xlsx", Sheet(
        "回民区非中医类医疗机构中医科室设置情况统计表（2024年1月）", WJW,
        ("序号", "机构名称", "机构类型", "是否设置中医科", "是否设置中药房"),
        ((1, "中山西路社区卫生服务中心", "社区卫生服务中心", "是", "是"), (2, "海拉尔西路社区卫生服务中心", "社区卫生服务中心", "是", "是"),
         (3, "环河街社区卫生服务中心", "社区卫生服务中心", "是", "是"), (4, "通道街社区卫生服务中心", "社区卫生服务中心", "是", "否"),
         (5, "攸攸板镇卫生院", "乡镇卫生院", "是", "是")))),
    ("item-17", "区卫健委/2023年10月 区中医医院基层指导科工作制度.docx", Report(
        "回民区中医医院基层指导科工作制度", HOSPITAL, date(2023, 10, 9),
        ("基层指导科负责对全区社区卫生服务机构、乡镇卫生院和村卫生室的中医药业务指导和技术培训。",
         "每月至少到基层机构指导2次，建立指导台账，每季度向区卫健委报告。"))),
    ("item-18", "2023年9月 回民区中医医联体章程及成员单位名单.pdf", Report(
        "回民区中医医疗联合体章程", HOSPITAL, date(2023, 9, 15),
        ("中医医联体由回民区中医医院牵头，辖区社区卫生服务中心、攸攸板镇卫生院为成员单位，实行技术帮扶、双向转诊和资源共享。",),
        (("序号", "成员单位"), ("1", "中山西路社区卫生服务中心"), ("2", "环河街社区卫生服务中心"), ("3", "攸攸板镇卫生院")))),
    ("item-19", "2023年11月20日 攸攸板镇卫生院中医馆.jpg", Photo("攸攸板镇卫生院 中医馆", datetime(2023, 11, 20, 11, 0), 17, "clinic")),
    ("item-20", "2023年12月 社区卫生服务站和村卫生室中医药服务统计表.xlsx", Sheet(
        "回民区社区卫生服务站、村卫生室中医药服务情况统计表（2023年12月）", WJW,
        ("序号", "机构名称", "能提供中医药服务", "中医适宜技术类数", "是否建成中医阁"),
        ((1, "北马道巷社区卫生服务站", "是", 4, "是"), (2, "义和巷社区卫生服务站", "是", 4, "是"),
         (3, "攸攸板村卫生室", "是", 4, "是"), (4, "东乌素图村卫生室", "是", 3, "否")))),
    ("item-22", "区卫健委/2024年1月 中医类别全科医生名单.docx", Report(
        "回民区中医类别全科医生名单", WJW, date(2024, 1, 8),
        ("截至2023年12月31日，全区注册中医类别全科医生如下（示例，人员姓名已隐去）：",),
        (("序号", "姓名", "工作单位", "注册类别"), ("1", "王某某", "中山西路社区卫生服务中心", "中医类别全科医学"), ("2", "李某某", "环河街社区卫生服务中心", "中医类别全科医学"),
         ("3", "张某某", "攸攸板镇卫生院", "中医类别全科医学"), ("4", "刘某某", "通道街社区卫生服务中心", "中医类别全科医学")))),
    ("item-23", "区卫健委/2023年12月 各机构中医药专业技术人员配备情况.docx", Report(
        "回民区基层医疗卫生机构中医药专业技术人员配备情况", WJW, date(2023, 12, 20),
        ("全区社区卫生服务中心、乡镇卫生院均配备中医类别医师，社区卫生服务站、村卫生室均有能够提供中医药服务的人员。",),
        (("机构类型", "机构数", "中医类别医师数"), ("社区卫生服务中心", "11", "38"), ("乡镇卫生院", "1", "4")))),
    ("item-24", "2023年10月 中医药继续教育培训通知.pdf", Redhead(
        WJW, "回卫健函〔2023〕45号", "关于举办2023年基层中医药继续教育培训班的通知",
        "各社区卫生服务中心、攸攸板镇卫生院：", date(2023, 10, 8),
        ("定于2023年10月20日至22日在区中医医院举办基层中医药继续教育培训班，培训内容为常见病中医诊疗和中医适宜技术。",
         "请各单位选派中医药人员参加，培训合格者授予继续教育学分。"))),
    ("item-25", "2023年 西学中培训班学员名单.xlsx", Sheet(
        "回民区2023年西医学习中医培训班学员名单", WJW,
        ("序号", "姓名", "工作单位", "培训学时", "考核结果"),
        ((1, "赵某某", "中山西路社区卫生服务中心", 120, "合格"), (2, "钱某某", "环河街社区卫生服务中心", 120, "合格"),
         (3, "孙某某", "光明路社区卫生服务中心", 120, "合格"), (4, "周某某", "攸攸板镇卫生院", 96, "补考")))),
    ("item-26", "2023年9月 区中医医院适宜技术推广中心建设情况.docx", Report(
        "回民区中医医院中医药适宜技术推广中心建设情况", HOSPITAL, date(2023, 9, 26),
        ("推广中心设在区中医医院，配备专职师资6名，建成培训教室和技能实训室。",
         "2023年向基层推广中医适宜技术6类18项，培训基层人员210人次。"))),
    ("item-27", "区卫健委/2023年 回民区中医诊疗人次统计报表.xlsx", Sheet(
        "回民区2023年基层医疗卫生机构中医诊疗人次统计报表", WJW,
        ("机构类型", "总诊疗人次（万）", "中医诊疗人次（万）", "占比"),
        (("社区卫生服务中心", 98.4, 31.5, "32.0%"), ("社区卫生服务站", 21.7, 5.6, "25.8%"),
         ("乡镇卫生院", 8.9, 3.1, "34.8%"), ("村卫生室", 4.3, 1.4, "32.6%"), ("合计", 133.3, 41.6, "31.2%")))),
    ("item-28", "2023年11月 基层中医药适宜技术推广培训.jpg", Photo("基层中医药适宜技术推广培训班", datetime(2023, 11, 14, 9, 45), 18)),
    ("item-29", "2023年10月 家庭医生签约中医药服务包.docx", Report(
        "回民区家庭医生签约服务中医药服务包", WJW, date(2023, 10, 16),
        ("在家庭医生签约服务中设置中医药个性化服务包，内容包括中医体质辨识、中医健康指导和中医适宜技术服务。",
         "签约居民可按服务包约定享受中医药服务，费用按医保政策结算。"))),
    ("item-30", "2023年 中医药健康管理服务工作总结.docx", Report(
        "回民区2023年中医药健康管理服务工作总结", WJW, date(2024, 1, 12),
        ("2023年，全区65岁及以上老年人中医药健康管理率为76.8%，0—36个月儿童中医药健康管理率为81.2%（示例）。",
         "下一步将加强中医体质辨识质量控制，提高服务规范性。"))),
    ("item-32", "2023年12月 医养结合机构中医药服务情况.docx", Report(
        "回民区医养结合机构中医药服务开展情况", WJW, date(2023, 12, 12),
        ("辖区医养结合机构均提供中医药健康养老服务，开展中医康复、养生保健和慢病中医药干预。",))),
    ("item-33", "2023年10月15日 中医药文化宣传进社区.jpg", Photo("中医药文化宣传进社区 义诊咨询", datetime(2023, 10, 15, 9, 30), 19, "outdoor")),
    ("item-34", "2023年7月20日 回民区中医药工作联席会议纪要（第1次）.pdf", CopyOf(JOINT_MINUTES)),
    ("item-35", "区卫健委/2024年4月 中医药服务监督检查工作方案.docx", Report(
        "回民区2024年中医药服务监督检查工作方案", WJW, date(2024, 4, 8),
        ("对全区中医医疗机构、中医诊所和基层医疗卫生机构中医科开展监督检查，重点检查执业资质、中医医疗技术规范和中药饮片管理。",
         "检查分自查、抽查和整改三个阶段，6月底前完成。"))),
    ("item-37", "2024年5月 中医药服务满意率和知晓率调查报告.docx", Report(
        "回民区中医药服务满意率和知晓率调查报告", WJW, date(2024, 5, 10),
        ("委托第三方机构开展调查：城乡居民对中医药服务满意率92.4%，中医药知识知晓率88.6%，中医药服务知晓率86.1%（示例）。",))),
    ("", "2023年8月 创建工作简报（第3期）.pdf", Report(
        "回民区创建全国基层中医药工作示范区工作简报（第3期）", "回民区创建办公室", date(2023, 8, 31),
        ("8月，各责任单位对照推进方案建设指标开展自查，收集佐证材料。区创建办对进度较慢的单位进行了督办。",))),
]

JUNK = ("dev-8", "区教育局/Thumbs.db", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "示例：Windows 缩略图缓存".encode() + bytes(64))
"""A Windows thumbnail cache beside the photos, as liaisons' folders usually have."""


# --- PDF (WeasyPrint) ---------------------------------------------------------------------------

PAGE = jinja2.Environment(autoescape=True).from_string("""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }}</title>
<meta name="author" content="{{ issuer }}">
<meta name="dcterms.created" content="{{ created }}"><meta name="dcterms.modified" content="{{ created }}">
<style>
@page { size: A4; margin: 30mm 26mm 28mm 28mm;
  @bottom-center { content: "{{ note }}　第 " counter(page) " 页"; font: 9pt "{{ font }}"; color: #888; } }
body { font-family: "{{ font }}"; font-size: 15pt; line-height: 1.75; color: #111; }
.watermark { position: fixed; top: 95mm; left: -10mm; width: 180mm; text-align: center; transform: rotate(-30deg);
  font-size: 80pt; letter-spacing: 12pt; color: rgba(200, 0, 0, 0.07); }
.issuer { color: #d40000; text-align: center; font-size: {{ issuer_size }}pt; letter-spacing: 2pt; margin: 6mm 0 8mm; }
.docno { text-align: center; font-size: 15pt; }
.rule { border-top: 2.5pt solid #d40000; margin: 3mm 0 10mm; }
h1 { font-weight: normal; text-align: center; font-size: 21pt; line-height: 1.5; margin: 0 0 8mm; }
.meta { margin: 0 0 4mm; }
p { text-indent: 2em; margin: 0 0 2mm; text-align: justify; }
p.to { text-indent: 0; }
table { border-collapse: collapse; width: 100%; margin: 4mm 0; font-size: 12pt; }
td, th { border: 0.8pt solid #333; padding: 1.5mm 3mm; font-weight: normal; }
.sign { position: relative; margin-top: 14mm; text-align: right; padding-right: 14mm; }
.sign svg { position: absolute; right: 8mm; top: -16mm; }
.example { margin-top: 10mm; font-size: 10.5pt; color: #a00; text-indent: 0; }
</style></head><body>
<div class="watermark">示例材料</div>
{% if kind == "redhead" %}
<div class="issuer">{{ issuer }}{{ heading_suffix }}</div>
{% if docno %}<div class="docno">{{ docno }}</div>{% endif %}
<div class="rule"></div>
{% elif kind == "minutes" %}
<div class="issuer">{{ title }}</div>
<div class="docno">{{ docno }}</div>
<div class="rule"></div>
{% endif %}
{% if kind != "minutes" %}<h1>{{ title }}</h1>{% endif %}
{% for line in meta %}<p class="meta to">{{ line }}</p>{% endfor %}
{% if to %}<p class="to">{{ to }}</p>{% endif %}
{% for paragraph in paragraphs %}<p>{{ paragraph }}</p>{% endfor %}
{% if table %}<table>{% for row in table %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}</table>{% endif %}
<div class="sign">{{ issuer }}<br>{{ day }}{{ seal | safe }}</div>
<p class="example">【示例】{{ note }}。</p>
</body></html>""")


def chinese_date(day: date) -> str:
    """2023年6月20日, as dates are printed on Chinese official documents."""
    return f"{day.year}年{day.month}月{day.day}日"


def seal_svg(issuer: str) -> str:
    """A red seal-like circle: the issuing body along the rim, a star and 示例章 in the middle."""
    chars = list(issuer)
    span = min(250.0, 24.0 * len(chars))
    size = min(22.0, 0.85 * 2 * math.pi * 70 * span / 360 / len(chars))
    glyphs = []
    for index, char in enumerate(chars):
        angle = -span / 2 + span * index / max(1, len(chars) - 1)
        x = 100 + 70 * math.sin(math.radians(angle))
        y = 100 - 70 * math.cos(math.radians(angle))
        glyphs.append(
            f'<text x="{x:.1f}" y="{y:.1f}" transform="rotate({angle:.1f} {x:.1f} {y:.1f})" font-size="{size:.1f}" '
            f'text-anchor="middle" dominant-baseline="central" fill="#d40000">{escape(char)}</text>'
        )
    star = " ".join(
        f"{100 + (30 if k % 2 == 0 else 12) * math.sin(math.radians(36 * k)):.1f},"
        f"{98 - (30 if k % 2 == 0 else 12) * math.cos(math.radians(36 * k)):.1f}"
        for k in range(10)
    )
    return (
        f'<svg width="40mm" height="40mm" viewBox="0 0 200 200" opacity="0.8" font-family="{SERIF}">'
        '<circle cx="100" cy="100" r="94" fill="none" stroke="#d40000" stroke-width="6"/>'
        f'<polygon points="{star}" fill="#d40000"/>{"".join(glyphs)}'
        f'<text x="100" y="160" font-size="20" text-anchor="middle" fill="#d40000">示例章</text></svg>'
    )


def pdf_bytes(spec: Redhead | Minutes | Report) -> bytes:
    """Lay out one document with WeasyPrint; the creation date in its properties is the document's date."""
    context = {
        "font": SERIF,
        "note": SAMPLE_NOTE,
        "issuer": spec.issuer,
        "day": chinese_date(spec.day),
        "created": f"{spec.day.isoformat()}T09:00:00+08:00",
        "paragraphs": spec.paragraphs,
        "seal": seal_svg(spec.issuer),
        "to": "",
        "meta": (),
        "table": (),
        "docno": "",
        "issuer_size": 30,
    }
    if isinstance(spec, Redhead):
        context.update(kind="redhead", title=spec.title, to=spec.to, docno=spec.docno, heading_suffix=spec.kind)
        context["issuer_size"] = 30 if len(spec.issuer) <= 10 else 22
    elif isinstance(spec, Minutes):
        context.update(kind="minutes", title=spec.heading, docno=f"{spec.number}　{spec.issuer}　{chinese_date(spec.day)}")
        context["meta"] = (f"时间：{chinese_date(spec.day)}", f"地点：{spec.place}", f"主持：{spec.chair}", f"参加：{spec.attendees}")
        context["issuer_size"] = 26
    else:
        context.update(kind="report", title=spec.title, table=spec.table)
    return weasyprint.HTML(string=PAGE.render(**context), base_url=str(ROOT)).write_pdf()


# --- photos (Pillow) ---------------------------------------------------------------------------

SCENES = {
    "hall": ((236, 228, 214), (150, 120, 96)),
    "classroom": ((226, 236, 228), (176, 150, 120)),
    "outdoor": ((170, 205, 235), (128, 150, 110)),
    "clinic": ((240, 240, 236), (190, 182, 170)),
}


def cjk_font(size: int) -> ImageFont.FreeTypeFont:
    """Noto Sans CJK SC at `size` from the installed .ttc (the SC face, whatever its index)."""
    path = cjk_font_file()
    for index in range(12):
        font = ImageFont.truetype(str(path), size, index=index)
        if font.getname()[0].endswith("SC"):
            return font
    return ImageFont.truetype(str(path), size)


def photo_bytes(spec: Photo) -> bytes:
    """Draw an activity scene; EXIF carries the capture time when spec.exif is set."""
    rng = random.Random(spec.seed)
    wall, floor = SCENES[spec.scene]
    width, height = 960, 640
    image = Image.new("RGB", (width, height), wall)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 430, width, height), fill=floor)
    if spec.scene == "classroom":
        draw.rectangle((250, 150, 710, 330), fill=(40, 70, 55), outline=(120, 90, 60), width=8)
        draw.text((480, 240), "中医药知识", font=cjk_font(44), fill=(235, 235, 220), anchor="mm")
    if spec.scene == "clinic":
        for x in range(60, 900, 140):
            draw.rectangle((x, 190, x + 110, 420), fill=(150, 100, 60), outline=(90, 60, 40), width=4)
            for y in range(205, 410, 34):
                draw.rectangle((x + 8, y, x + 102, y + 26), fill=(200, 160, 110))
    banner_font = cjk_font(30)
    draw.rectangle((40, 40, width - 40, 120), fill=(200, 16, 30))
    draw.text((width // 2, 80), spec.banner, font=banner_font, fill=(255, 236, 180), anchor="mm")
    for row, (y, scale) in enumerate(((420, 1.0), (500, 1.25))):
        for n in range(7 + row * 2):
            x = 60 + n * (840 / (6 + row * 2)) + rng.uniform(-18, 18)
            shirt = tuple(rng.randint(40, 220) for _ in range(3))
            head = int(26 * scale)
            draw.rounded_rectangle((x - 34 * scale, y - 10 * scale, x + 34 * scale, y + 90 * scale), radius=18, fill=shirt)
            draw.ellipse((x - head, y - 2.6 * head, x + head, y - 0.6 * head), fill=(236, 200, 170))
            draw.pieslice((x - head, y - 2.7 * head, x + head, y - 1.2 * head), 180, 360, fill=(30, 30, 30))
    stamp = spec.taken.strftime("%Y/%m/%d %H:%M")
    draw.text((width - 24, height - 24), stamp, font=cjk_font(26), fill=(255, 150, 40), anchor="rd")
    draw.rectangle((24, height - 70, 190, height - 24), fill=(0, 0, 0))
    draw.text((107, height - 47), "示例照片", font=cjk_font(26), fill=(255, 255, 255), anchor="mm")
    exif = Image.Exif()
    if spec.exif:
        exif[0x010F] = "Sample"  # Make
        exif[0x0110] = "assess sample"  # Model
        exif.get_ifd(0x8769)[0x9003] = spec.taken.strftime("%Y:%m:%d %H:%M:%S")  # DateTimeOriginal
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=82, optimize=True, exif=exif.tobytes())
    return buffer.getvalue()


# --- Word and Excel ------------------------------------------------------------------------------


def docx_bytes(spec: Report) -> bytes:
    """A short Word document: title, 示例 line, paragraphs, a table and the signature; fixed properties."""
    document = docx.Document()
    document.add_heading(spec.title, level=1)
    note = document.add_paragraph(f"【示例】{SAMPLE_NOTE}")
    note.runs[0].font.size = Pt(9)
    for paragraph in spec.paragraphs:
        document.add_paragraph(paragraph)
    if spec.table:
        table = document.add_table(rows=0, cols=len(spec.table[0]))
        table.style = "Table Grid"
        for row in spec.table:
            for cell, text in zip(table.add_row().cells, row):
                cell.text = text
    document.add_paragraph(f"{spec.issuer}　{chinese_date(spec.day)}")
    properties = document.core_properties
    properties.title, properties.author, properties.last_modified_by = spec.title, spec.issuer, "assess 示例"
    properties.created = properties.modified = FIXED_TIME
    properties.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx_bytes(spec: Sheet) -> bytes:
    """A statistics sheet: merged title row, 示例 line, header and rows; fixed document properties."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "统计表"
    columns = len(spec.header)
    sheet.append([spec.title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=columns)
    sheet["A1"].font = Font(size=14, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([f"填报单位：{spec.issuer}（{SAMPLE_NOTE}）"])
    sheet.append(list(spec.header))
    for row in spec.rows:
        sheet.append(list(row))
    for index in range(columns):
        sheet.column_dimensions[chr(ord("A") + index)].width = 24
    workbook.properties.creator = spec.issuer
    workbook.properties.title = spec.title
    workbook.properties.created = FIXED_TIME
    buffer = io.BytesIO()
    workbook.save(buffer)
    return with_fixed_modified_time(buffer.getvalue())


def with_fixed_modified_time(data: bytes) -> bytes:
    """openpyxl stamps dcterms:modified with the save time; pin it so the bytes do not change."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), content)
            out.writestr(entry.filename, content)
    return buffer.getvalue()


# --- writing ------------------------------------------------------------------------------------


def render(spec: object, suffix: str, rendered: dict[str, bytes]) -> bytes:
    """The bytes of one sample (copies reuse what was already rendered)."""
    if isinstance(spec, CopyOf):
        return rendered[spec.path]
    if isinstance(spec, Truncated):
        whole = pdf_bytes(spec.spec)
        return whole[: int(len(whole) * spec.keep)]
    if isinstance(spec, Photo):
        return photo_bytes(spec)
    if suffix == ".docx":
        return docx_bytes(spec)
    if isinstance(spec, Sheet):
        return xlsx_bytes(spec)
    return pdf_bytes(spec)


def target_path(project: Project, indicator_id: str, relative: str) -> Path:
    """Where a sample goes: inside its indicator's conventional folder, or at the evidence/ root."""
    root = project.path("evidence")
    if not indicator_id:
        return root / relative
    indicator = next(i for i in project.standard.indicators if i.id == indicator_id)
    return root / folder_name(indicator) / relative


def save(target: Path, data: bytes) -> None:
    """Write atomically; .docx/.xlsx with fixed zip entry times."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.suffix in (".docx", ".xlsx"):
        write_reproducible_zip(target, data)
        return
    with atomic_path(target) as temp:
        temp.write_bytes(data)


def generate(project: Project, force: bool = False) -> tuple[list[Path], list[Path]]:
    """Create the indicator folders and every sample; return (written, skipped because present)."""
    init_evidence(project)
    written: list[Path] = []
    skipped: list[Path] = []
    rendered: dict[str, bytes] = {}
    for indicator_id, relative, spec in [*SAMPLES, JUNK]:
        target = target_path(project, indicator_id, relative)
        key = f"{indicator_id}/{relative}"
        needed_later = any(isinstance(s, CopyOf) and s.path == key for _, _, s in SAMPLES)
        if target.exists() and not force:
            skipped.append(target)
            if needed_later:
                rendered[key] = target.read_bytes()
            continue
        data = spec if isinstance(spec, bytes) else render(spec, target.suffix, rendered)
        if needed_later:
            rendered[key] = data
        save(target, data)
        written.append(target)
    return written, skipped


def main(argv: list[str] | None = None) -> None:
    """Command line: generate into the project (the repository by default)."""
    parser = argparse.ArgumentParser(description="生成回民区示例佐证材料（evidence/ 下，标注“示例”）。")
    parser.add_argument("--project", type=Path, default=ROOT, help="项目文件夹，默认为本仓库")
    parser.add_argument("--force", action="store_true", help="覆盖已存在的示例文件（其他文件不受影响）")
    args = parser.parse_args(argv)
    project = load_project(args.project)
    written, skipped = generate(project, force=args.force)
    for path in written:
        print(f"已生成 {path.relative_to(project.root)}")
    if skipped:
        print(f"{len(skipped)} 个示例文件已存在，未覆盖（需要重新生成时加 --force）")


if __name__ == "__main__":
    main()
