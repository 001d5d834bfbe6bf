from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "kabar.site"
    label = "site"
    verbose_name = "Reader site"

    def ready(self) -> None:
        from kabar.site.context import connect_section_menu_signals

        connect_section_menu_signals()
