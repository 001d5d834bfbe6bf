from django.apps import AppConfig


class TranslationConfig(AppConfig):
    name = "kabar.translation"
    label = "translation"
    verbose_name = "Translation"
