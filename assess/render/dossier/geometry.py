"""The appendix page: A4 (landscape for landscape sources), a header band for the stamp, a footer band for the page number.

Framing (evidence), downscaling (images) and stamping (stamps) must agree on where the evidence
goes, so the page's measures live here, in one place.
"""

from __future__ import annotations

A4 = (595.28, 841.89)
"""A4 portrait in points; landscape sources get A4 landscape."""
SIDE = 28.0
"""Left/right margin around a framed page, in points (about 10 mm)."""
BAND = 30.0
"""Height of the header band (stamp) and of the footer band (page number), in points."""


def content_box(landscape: bool) -> tuple[float, float, float, float]:
    """The area of an appendix page left for the evidence (x0, y0, x1, y1), between the bands."""
    width, height = (A4[1], A4[0]) if landscape else A4
    return SIDE, BAND, width - SIDE, height - BAND
