"""Webhook subscriptions: signed (Standard Webhooks) deliveries of article events, with retries and a log."""
