from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "kabar.demo"
    label = "demo"
    verbose_name = "Demo outlet"
