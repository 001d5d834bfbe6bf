"""The public read API under /api/v1/ (Django Ninja, OpenAPI 3.1), with IPTC ninjs output, API keys and limits."""
