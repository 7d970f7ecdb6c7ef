"""The Excel workbook: export and import share one column contract."""
