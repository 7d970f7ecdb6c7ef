"""Renderers: present the one Assessment as Word, Excel and PDF; they never compute."""
