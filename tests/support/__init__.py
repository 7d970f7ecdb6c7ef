"""Helpers the tests of several subsystems share: files, projects, processes."""
