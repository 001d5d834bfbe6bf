"""The admin's brand: "kabar" in the header, the page titles and above the list of apps.

Imported by ``kabar.conf.urls`` (the admin site's configuration) before its URLs are built.
The admin's language is the editor's choice in the header (Django's ``set_language``, kept in
the language cookie), else the browser's Accept-Language, else the site's first language:
``kabar/conf/templates/admin/base_site.html``.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _


def brand() -> None:
    admin.site.site_header = "kabar"  # the name, in every language
    admin.site.site_title = _("kabar admin")
    admin.site.index_title = _("Newsroom administration")
