from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "kabar.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from kabar.webhooks import receivers

        receivers.connect()
