"""assess: builds a district's 全国基层中医药工作示范县（区） self-assessment dossier.

The pipeline, one subpackage per stage, data flowing one way: inputs (config: the project, the
standard, the district's data) → evidence (the index of the evidence folder) → assessment
(verdicts, gaps) → documents (render: Word and the PDF dossier; workbook: Excel, both ways).
`assess.pipeline.build` runs them in order; `assess.cli` is the command line over it.

Names are imported on first use (PEP 562), so `assess --help` does not pay for openpyxl or the
engine.
"""

from importlib import import_module

_EXPORTS = {
    "AssessError": "errors",
    "ExitCode": "errors",
    "Finding": "errors",
    "InvalidInput": "errors",
    "Project": "config.project",
    "load_project": "config.project",
    "Indicator": "config.standard",
    "Registry": "config.standard",
    "Standard": "config.standard",
    "Target": "config.standard",
    "EvidenceIndex": "evidence.model",
    "build_index": "evidence.index",
    "DistrictData": "config.data",
    "load_data": "config.data",
    "Assessment": "assessment.model",
    "Verdict": "config.records",
    "run_assessment": "assessment.engine",
    "BuildOptions": "pipeline",
    "BuildResult": "pipeline",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    """Import an exported name from its module the first time it is asked for."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'assess' has no attribute {name!r}")
    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
