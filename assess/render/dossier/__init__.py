"""The PDF dossier: HTML laid out by WeasyPrint, evidence appended as pages.

build is the sequence; each module it calls holds one concern of the PDF:
plan (which evidence goes where), sources (opening evidence files safely), convert (Word/Excel
through LibreOffice), images (photos as pages, downscaled), evidence (pages framed and written
into the file), appendix (when and where they are written, copied where unchanged), reuse (the
previous dossier's bytes), fonts and stamps (the stamps' font and the stamps), anchors (links and
bookmarks), assemble (the parts joined), write (the streaming PDF writer); templates, context,
html_part, layout, numbering and fetcher for the WeasyPrint half; worker for the processes beside
the build.
"""
