"""Evidence: the folder of scans and documents, indexed (never modified), and its manifest."""
