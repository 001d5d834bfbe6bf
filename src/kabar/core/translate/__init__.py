"""Translation: segments through engines (``mt``), glossary and QA back to blocks."""
