"""Feeds, sitemaps, robots.txt and site icons: how search engines, feed readers and aggregators find kabar."""
