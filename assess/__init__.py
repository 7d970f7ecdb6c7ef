"""assess: builds a district's 全国基层中医药工作示范县（区） self-assessment dossier.

The pipeline, one stage per module: standard (project.load_project) → evidence index
(evidence.build_index) → assessment (data.load_data, assessment.run_assessment) → renderers
(render.docx, render.xlsx, render.pdf); build.build runs them in order.
"""

from .assessment import Assessment, Verdict, run_assessment
from .build import BuildOptions, BuildResult, build
from .data import DistrictData, load_data
from .errors import AssessError, ExitCode, Finding, InvalidInput
from .evidence import EvidenceIndex, build_index
from .project import Project, load_project
from .standard import Indicator, Registry, Standard, Target

__all__ = [
    "AssessError",
    "Assessment",
    "BuildOptions",
    "BuildResult",
    "DistrictData",
    "EvidenceIndex",
    "ExitCode",
    "Finding",
    "Indicator",
    "InvalidInput",
    "Project",
    "Registry",
    "Standard",
    "Target",
    "Verdict",
    "build",
    "build_index",
    "load_data",
    "load_project",
    "run_assessment",
]
