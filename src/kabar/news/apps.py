from django.apps import AppConfig


class NewsConfig(AppConfig):
    name = "kabar.news"
    label = "news"
    verbose_name = "Newsroom"
