"""Search backends shipped with kabar (entry-point group ``kabar.search``)."""
