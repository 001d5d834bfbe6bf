"""``kabar settings``: print the settings table with current values."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand
from rich.table import Table

from kabar.command_console import command_console
from kabar.config import SETTINGS, data_dir, redacted


class Command(BaseCommand):
    help = "Print every kabar setting: environment variable, default, current value and help."
    # Only reads: Django's system checks would open the file cache, which creates
    # <data dir>/cache, and showing the settings must create nothing.
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        table = Table(title="kabar settings (set them as environment variables)", show_lines=False)
        for column in ("name", "default", "current", "help"):
            table.add_column(column, overflow="fold")
        for setting in SETTINGS:
            current = os.environ.get(setting.name)
            shown = "(set)" if current and "SECRET" in setting.name else redacted(current or "")
            if setting.name == "KABAR_DATA_DIR":  # the folder in use, however it was chosen
                shown = str(data_dir()) + ("" if data_dir().is_dir() else " (not created yet)")
            table.add_row(setting.name, setting.default, shown, setting.help)
        command_console(self.stdout, width=160).print(table)
        # Also on a line of its own, unwrapped, where a long path stays whole for copying.
        folder = data_dir()
        self.stdout.write(f"Data folder in use: {folder}" + ("" if folder.is_dir() else " (not created yet)"))
