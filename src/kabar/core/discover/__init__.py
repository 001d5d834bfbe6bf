"""The discover stage: search over published texts and the relate step that groups articles into stories.

Pure, like the rest of ``kabar.core``: dataclasses in and out, no Django. The Django shell
(``kabar.search``, ``kabar.stories``) stores, indexes and serves.
"""
