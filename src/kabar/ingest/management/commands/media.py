"""``kabar media gc [--delete]``: find (and remove) stored files that nothing references."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kabar.ingest.media_files import DEFAULT_GRACE, delete_orphans, find_orphans

GRACE_MINUTES = int(DEFAULT_GRACE.total_seconds() // 60)


class Command(BaseCommand):
    help = "Stored media files: `gc` lists (or with --delete removes) files under MEDIA_ROOT nothing uses."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        gc = actions.add_parser(
            "gc",
            help="List files under MEDIA_ROOT that no Media row, outlet logo or article text references.",
            description=(
                "Lists every file under MEDIA_ROOT that no Media image, outlet logo or article text "
                "image references, with a total; nothing is deleted unless --delete is given. Files "
                "modified within the grace period are never listed nor deleted: an ingest running at "
                "the same time may have saved a file and not yet committed the row that names it."
            ),
        )
        gc.add_argument("--delete", action="store_true", help="Delete the listed files (default: dry run).")
        gc.add_argument(
            "--grace-minutes",
            type=int,
            default=GRACE_MINUTES,
            metavar="N",
            help=f"Keep files modified in the last N minutes (default {GRACE_MINUTES}).",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "gc":
            self.collect(delete=options["delete"], grace_minutes=options["grace_minutes"])

    def collect(self, *, delete: bool, grace_minutes: int) -> None:
        if grace_minutes < 0:
            raise CommandError("--grace-minutes must be 0 or more", returncode=2)
        root = Path(settings.MEDIA_ROOT)
        if not root.is_dir():
            raise CommandError(
                f"MEDIA_ROOT {root} does not exist or is not a folder; check KABAR_DATA_DIR "
                "(MEDIA_ROOT is its media/ folder) and run this where kabar stores its files"
            )
        grace = timedelta(minutes=grace_minutes)
        try:
            survey = find_orphans(root, grace=grace)
        except OSError as exc:
            raise CommandError(f"could not read {exc.filename or root}: {exc.strerror or exc}") from exc
        kept = f"; {survey.too_young} younger than {grace_minutes} min kept" if survey.too_young else ""
        if not delete:
            for orphan in survey.orphans:
                self.stdout.write(f"{orphan.name}\t{orphan.size}")
            total = sum(orphan.size for orphan in survey.orphans)
            self.stdout.write(
                f"{len(survey.orphans)} unreferenced files, {total:,} bytes{kept} "
                "(dry run: nothing deleted; add --delete to remove them)"
            )
            return
        deleted, failed = delete_orphans(root, survey.orphans, grace=grace)
        for orphan in deleted:
            self.stdout.write(f"deleted {orphan.name}\t{orphan.size}")
        for orphan, why in failed:
            self.stderr.write(f"could not delete {orphan.name}: {why}")
        skipped = len(survey.orphans) - len(deleted) - len(failed)
        again = f"; {skipped} in use again or touched since, kept" if skipped else ""
        self.stdout.write(
            f"deleted {len(deleted)} unreferenced files, {sum(o.size for o in deleted):,} bytes{kept}{again}"
        )
        if failed:
            raise CommandError(
                f"{len(failed)} files could not be deleted (reasons above); fix their permissions "
                "and run kabar media gc --delete again"
            )
