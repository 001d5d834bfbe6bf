"""``kabar reindex [--language vi]``: rebuild the search index from the published texts.

Exit status: 0 rebuilt; 1 the backend failed (the old index is kept, the message says why);
2 misuse (a language the site does not have, a backend that cannot run here).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from kabar.command_console import counted_progress
from kabar.search import services

REBUILT, FAILED, MISUSE = 0, 1, 2


class Command(BaseCommand):
    help = (
        "Rebuild the search index from every published text (one language with --language). "
        "Readers keep the old index until the new one is complete. Exit status: 0 rebuilt, 1 failed, 2 misuse."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--language", help="Only texts in this language (e.g. vi).")

    def handle(self, *args: Any, language: str | None, **options: Any) -> None:
        languages = [code for code, _name in settings.LANGUAGES]
        if language and language not in languages:
            raise CommandError(
                f"--language {language}: not a site language (KABAR_LANGUAGES is {', '.join(languages)})",
                returncode=MISUSE,
            )
        try:
            backend = services.configured_backend_name()
            services.get_backend()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc), returncode=MISUSE) from exc
        what = f"{language} texts" if language else "texts"
        with counted_progress(self.stderr) as progress:
            bar = progress.add_task(f"indexing {what} ({backend})", total=None)

            def on_progress(done: int, total: int) -> None:
                progress.update(bar, completed=done, total=total)

            try:
                count = services.reindex(language, on_progress=on_progress)
            except DatabaseError as exc:
                raise CommandError(
                    f"search index not rebuilt ({backend}): {exc}. The previous index is unchanged; "
                    "fix the database problem named here and run `kabar reindex` again.",
                    returncode=FAILED,
                ) from exc
        self.stdout.write(f"indexed {count} published {what} with the {backend} search backend")
