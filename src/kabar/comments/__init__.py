"""Readers' comments on article pages, moderated in the admin (see README "Comments")."""
