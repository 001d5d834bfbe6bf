"""Fetching: the guarded HTTP client, decoding, robots, SSRF checks, charsets and URLs."""
