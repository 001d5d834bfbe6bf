from django.apps import AppConfig


class PageCacheConfig(AppConfig):
    name = "kabar.pagecache"
    label = "pagecache"
    verbose_name = "Page cache"

    def ready(self) -> None:
        from kabar.pagecache import receivers

        receivers.connect()
