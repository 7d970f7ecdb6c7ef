"""Photos and scans as appendix pages: embedded as they are (img2pdf passes JPEG through), downscaled only when oversized.

A phone photo or a 600 dpi scan shown on A4 carries far more pixels than a reviewer can see;
re-encoded at `max_dpi` it costs a fraction of the file. A scan near the limit is kept as
scanned: re-encoding it would cost quality and time for little saving.
"""

from __future__ import annotations

import io
import logging
from typing import BinaryIO

import img2pdf
import pikepdf
from PIL import Image, ImageOps, ImageSequence

from assess.render.dossier.geometry import content_box

DOWNSCALE_SLACK = 1.5
"""Images up to 1.5 × max_dpi are embedded untouched (a 200 dpi A4 scan stays as scanned); larger ones
(phone photos, 300/600 dpi scans) are downscaled to max_dpi. Re-encoding a JPEG only a little over
the limit would cost quality and time for a small saving."""
JPEG_QUALITY = 80


def image_pages(image_file: BinaryIO, max_dpi: int) -> pikepdf.Pdf:
    """The image file as a document of one page per frame, each filling the content box of its A4 page."""
    img2pdf_logger = logging.getLogger("img2pdf")
    level = img2pdf_logger.level
    img2pdf_logger.setLevel(logging.ERROR)  # its notes (alpha → soft mask, …) are not the office's concern
    try:
        document = img2pdf.convert_to_docobject(
            *image_frames(image_file, max_dpi),
            engine=img2pdf.Engine.pikepdf,
            layout_fun=_fit_image,
            rotation=img2pdf.Rotation.ifvalid,
            nodate=True,
        )
    finally:
        img2pdf_logger.setLevel(level)
    return document.writer


def _fit_image(width_px: int, height_px: int, _dpi) -> tuple[float, float, float, float]:
    """img2pdf layout: the image fills the content box of the A4 page matching its orientation."""
    x0, y0, x1, y1 = content_box(width_px > height_px)
    scale = min((x1 - x0) / width_px, (y1 - y0) / height_px)
    return width_px * scale, height_px * scale, width_px * scale, height_px * scale


def image_frames(image_file: BinaryIO, max_dpi: int) -> list[bytes]:
    """What img2pdf should embed: the file's bytes as they are, or JPEG frames downscaled to `max_dpi`."""
    with Image.open(image_file) as image:
        if image.mode == "1" or downscale_factor(oriented_size(image), max_dpi) is None:
            image_file.seek(0)
            return [image_file.read()]
        return [_downscaled_jpeg(frame, max_dpi) for frame in ImageSequence.Iterator(image)]


def oriented_size(image: Image.Image) -> tuple[int, int]:
    """Pixel size after applying the EXIF orientation."""
    orientation = image.getexif().get(0x0112, 1)
    width, height = image.size
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def downscale_factor(size: tuple[int, int], max_dpi: int) -> float | None:
    """How much to shrink an image so it shows at `max_dpi` on its page; None if it is fine as is."""
    width, height = size
    x0, y0, x1, y1 = content_box(width > height)
    points_per_pixel = min((x1 - x0) / width, (y1 - y0) / height)
    dpi = 72 / points_per_pixel
    if dpi <= max_dpi * DOWNSCALE_SLACK:
        return None
    return max_dpi / dpi


def _downscaled_jpeg(frame: Image.Image, max_dpi: int) -> bytes:
    """One frame, upright, resized to `max_dpi` and re-encoded as JPEG."""
    oriented = oriented_size(frame)
    factor = downscale_factor(oriented, max_dpi) or 1.0
    final = (max(1, round(oriented[0] * factor)), max(1, round(oriented[1] * factor)))
    width, height = frame.size
    frame.draft("L" if frame.mode == "L" else "RGB", (round(width * factor), round(height * factor)))
    upright = ImageOps.exif_transpose(frame)
    small = upright.convert("L" if upright.mode in ("L", "LA", "I;16") else "RGB").resize(final, Image.LANCZOS)
    out = io.BytesIO()
    small.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue()
