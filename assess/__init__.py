"""assess: builds a district's 全国基层中医药工作示范县（区） self-assessment dossier."""

from .errors import AssessError, ExitCode, Finding, InvalidInput
from .project import Project, load_project
from .standard import Indicator, Registry, Standard, Target

__all__ = [
    "AssessError",
    "ExitCode",
    "Finding",
    "Indicator",
    "InvalidInput",
    "Project",
    "Registry",
    "Standard",
    "Target",
    "load_project",
]
