"""Search over published texts: the index kept in step with the newsroom, and its backends.

``kabar.search.services`` is the API the reader site uses (``search``, ``get_backend``) and
the receivers call (``index_text``, ``remove_text``). Backends implement
``kabar.hookspecs.SearchBackend``; SQLite FTS5 and PostgreSQL full-text ship here.
"""
