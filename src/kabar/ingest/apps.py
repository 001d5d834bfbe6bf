from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IngestConfig(AppConfig):
    name = "kabar.ingest"
    label = "ingest"
    verbose_name = _("Ingestion")

    def ready(self) -> None:
        # A deleted Media row's file is removed after commit, wherever the row is deleted (admin too).
        from kabar.ingest import media_files  # noqa: F401
