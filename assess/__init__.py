"""assess: builds a district's 全国基层中医药工作示范县（区） self-assessment dossier.

The pipeline, one stage per module: standard (project.load_project) → evidence index
(evidence.build_index) → assessment (data.load_data, assessment.run_assessment) → renderers
(render.docx, render.xlsx, render.pdf); assess.build.build runs them in order.

Names are imported on first use (PEP 562), so `assess --help` does not pay for openpyxl or the
engine.
"""

from importlib import import_module

_EXPORTS = {
    "AssessError": "errors",
    "ExitCode": "errors",
    "Finding": "errors",
    "InvalidInput": "errors",
    "Project": "project",
    "load_project": "project",
    "Indicator": "standard",
    "Registry": "standard",
    "Standard": "standard",
    "Target": "standard",
    "EvidenceIndex": "evidence",
    "build_index": "evidence",
    "DistrictData": "data",
    "load_data": "data",
    "Assessment": "assessment",
    "Verdict": "assessment",
    "run_assessment": "assessment",
    "BuildOptions": "build",
    "BuildResult": "build",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    """Import an exported name from its module the first time it is asked for."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'assess' has no attribute {name!r}")
    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
