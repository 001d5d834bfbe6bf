"""Text: cleaning, language detection, near-duplicates, segmentation and inline placeholders."""
