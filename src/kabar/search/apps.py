from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "kabar.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from kabar.search import receivers

        receivers.connect()
