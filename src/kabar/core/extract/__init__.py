"""Extraction: HTML and plain-text captures to articles, dates, the hardened XML parse."""
