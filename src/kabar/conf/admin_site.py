"""The admin's brand: "kabar" in the header, the page titles and above the list of apps.

Imported by ``kabar.conf.urls`` (the admin site's configuration) before its URLs are built.
The admin's language is the editor's choice in the header (Django's ``set_language``, kept in
the language cookie), else the browser's Accept-Language, else the site's first language:
``kabar/conf/templates/admin/base_site.html``.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# Admin names that other packages leave untranslated in vi or id (Django 5.2's new app-list
# headers, django-axes' and django-tasks-db's models): their translations live in kabar's
# catalog, which Django reads before the packages' own; these marks keep them there.
OTHER_PACKAGES_STRINGS = [
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("Show counts"),
    gettext_noop("Hide counts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("Task Result"),
    gettext_noop("Task Results"),
]

# Apps whose own verbose name is a plain string (or the bare label), named here for the editors.
APP_NAMES = {"axes": _("Login lockouts"), "django_tasks_database": _("Background tasks")}


def brand() -> None:
    admin.site.site_header = "kabar"  # the name, in every language
    admin.site.site_title = _("kabar admin")
    admin.site.index_title = _("Newsroom administration")
    for label, name in APP_NAMES.items():
        if label in apps.app_configs:  # django_tasks_database only with the database task backend
            apps.get_app_config(label).verbose_name = name
