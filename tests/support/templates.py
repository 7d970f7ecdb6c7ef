"""A Word template written by a test."""

from __future__ import annotations

from pathlib import Path

from docx import Document


def make_template(path: Path, *paragraphs: str) -> Path:
    """A minimal custom template with the given paragraphs."""
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(path)
    return path
