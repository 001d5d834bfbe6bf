from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoriesConfig(AppConfig):
    name = "kabar.stories"
    label = "stories"
    verbose_name = _("Stories")

    def ready(self) -> None:
        from kabar.news.signals import original_changed
        from kabar.stories import receivers

        original_changed.connect(receivers.assign_on_change, dispatch_uid="kabar.stories.assign")
