from django.apps import AppConfig


class SyndicationConfig(AppConfig):
    name = "kabar.syndication"
    label = "syndication"
    verbose_name = "Syndication"
