from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "kabar.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from kabar.search import receivers

        receivers.connect()
