"""Inputs: the project file, the standard, the district's data, and how they are read."""
