from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TranslationConfig(AppConfig):
    name = "kabar.translation"
    label = "translation"
    verbose_name = _("Translation")

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from kabar.news.signals import original_changed
        from kabar.translation import receivers

        original_changed.connect(
            receivers.retranslate_on_change, dispatch_uid="kabar.translation.retranslate"
        )
        setting_changed.connect(receivers.settings_changed, dispatch_uid="kabar.translation.settings")
