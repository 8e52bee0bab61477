"""The trace model every simulation returns, quiz grading, and reading the lesson files."""
