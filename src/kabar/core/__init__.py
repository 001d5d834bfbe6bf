"""The pure pipeline core.

Nothing in this package imports Django: every stage takes typed dataclasses and
returns typed dataclasses, so stages can be tested, benchmarked and run on a
worker without a database. The Django shell (``kabar.news`` and friends) stores,
schedules and serves what these stages produce.
"""
