"""The PDF dossier: HTML laid out by WeasyPrint, evidence appended as pages."""
