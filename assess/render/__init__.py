"""Documents a reviewer reads: the Word report and the PDF dossier; they present the Assessment, never compute."""
