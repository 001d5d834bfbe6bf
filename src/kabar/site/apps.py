from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "kabar.site"
    label = "site"
    verbose_name = "Reader site"
