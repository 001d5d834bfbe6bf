from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "kabar.ingest"
    label = "ingest"
    verbose_name = "Ingestion"
