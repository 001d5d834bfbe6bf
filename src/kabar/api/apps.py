from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kabar.api"
    label = "api"
    verbose_name = "API"
