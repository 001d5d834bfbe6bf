"""``kabar extract <file|url>``: fetch → extract → clean → detect one document, store nothing."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kabar.core.errors import StageError
from kabar.core.fetch.fetch import Fetcher
from kabar.hookspecs import DocumentFailure
from kabar.ingest.service import build_pipeline, fetch_policy, pick_source


class Command(BaseCommand):
    help = (
        "Show what kabar extracts from one page or capture, without storing it (for checking a new outlet)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("location", help="A page URL, an HTML file or a plain-text capture.")
        parser.add_argument("--kind", choices=["url", "file", "capture"])
        parser.add_argument("--allow-private", action="store_true")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(
        self, *args: Any, location: str, kind: str | None, allow_private: bool, **options: Any
    ) -> None:
        fetcher = Fetcher(fetch_policy(allow_private=allow_private))
        try:
            source = pick_source(location, kind, fetcher)
            first = next(iter(source.documents(location)), None)
            if first is None:
                raise CommandError(f"no document found at {location}")
            if isinstance(first, DocumentFailure):
                raise CommandError(f"{first.stage}: {first.reason}")
            doc = build_pipeline().process(first)
        except StageError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            fetcher.close()
        data = doc.as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        for key in ("title", "lead", "outlet", "author", "published", "language", "source_url"):
            self.stdout.write(f"{key:>10}: {data[key] or '-'}")
        for image in data["images"]:
            self.stdout.write(f"{'image':>10}: {image['caption']} [credit: {image['credit'] or '-'}]")
        if data["flags"]:
            self.stdout.write(f"{'flags':>10}: {'; '.join(data['flags'])}")
        self.stdout.write("")
        for paragraph in data["body"]:
            self.stdout.write(paragraph + "\n")
