"""Fixtures for the webhooks tests."""
