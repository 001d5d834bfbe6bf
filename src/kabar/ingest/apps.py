from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "kabar.ingest"
    label = "ingest"
    verbose_name = "Ingestion"

    def ready(self) -> None:
        # A deleted Media row's file is removed after commit, wherever the row is deleted (admin too).
        from kabar.ingest import media_files  # noqa: F401
