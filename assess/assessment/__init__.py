"""Assessment: standard + evidence index + data -> verdicts, gaps and progress."""
