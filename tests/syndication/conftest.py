"""Fixtures for the syndication tests."""
