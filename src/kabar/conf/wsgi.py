import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kabar.conf.settings")
# Django's handler, with stored reader pages answered in front of it (kabar.pagecache.wsgi).
django_application = get_wsgi_application()

from kabar.pagecache.wsgi import StoredPages  # noqa: E402 - needs the settings set up above

application = StoredPages(django_application)
