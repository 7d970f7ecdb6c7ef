"""Tests of the PDF dossier; a package so its modules can share helpers (dossier.test_appendix …)."""
