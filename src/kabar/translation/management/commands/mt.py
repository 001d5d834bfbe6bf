"""``kabar mt install SPEC``: download a real translation model, convert it, print the settings to use.

kabar mt install opus-mt:vi-en                 # newest OPUS-MT vi-en release, converted (no PyTorch)
kabar mt install opus-mt:en-id/opus-2019-12-18 # a named release
kabar mt install argos:en-id                   # newest Argos package for en-id
kabar mt install hf:Helsinki-NLP/opus-mt-vi-en # a Hugging Face repository (Transformers ones need PyTorch)

The model goes into ``--dest`` (default: ``models/`` in kabar's data dir). Downloads come
from ``KABAR_MT_OPUS_URL``, ``KABAR_MT_ARGOS_INDEX`` and ``KABAR_MT_HF_URL``. The work is done
by ``kabar.core.translate.mt.install``; this command draws the progress bar and prints the
``KABAR_MT_ENGINES`` (and, when the target has no route to ctranslate2 yet, ``KABAR_MT_ROUTES``)
to set, with the current settings kept.

Exit codes, as ``kabar ingest``'s and ``kabar translate``'s:

* 0: installed, or already installed (nothing fetched; ``--force`` fetches it again);
* 1: it failed: not found (404), no answer, truncated or damaged download, an archive member
  outside the archive (refused), a checksum mismatch, not a model of the expected format, or a
  converter that needs what is not installed (said in words). An interrupted download resumes
  when the same command is run again;
* 2: the command was misused: an unknown spec form, a malformed language pair, a bad flag.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from kabar.command_console import command_console
from kabar.core.translate.mt.download import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, InstallError, client
from kabar.core.translate.mt.install import Endpoints, Options, engine_settings, install, parse_spec

FAILED, MISUSE = 1, 2
QUANTIZATIONS = (
    "int8",
    "int8_float32",
    "int8_float16",
    "int8_bfloat16",
    "int16",
    "float16",
    "bfloat16",
    "float32",
)


def _size(value: str) -> int:
    """``500M``, ``4G`` or a number of bytes."""
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    text = value.strip().lower().removesuffix("b")
    try:
        if text and text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(text)
    except ValueError:
        raise CommandError(
            f"--max-size: {value!r} is not a size like 500M or 4G", returncode=MISUSE
        ) from None


class Command(BaseCommand):
    help = "Machine-translation models: `kabar mt install SPEC` downloads and converts one."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="install")
        add = actions.add_parser(
            "install",
            help="Download and convert a model: opus-mt:SRC-TGT[/RELEASE], argos:SRC-TGT, hf:OWNER/NAME[@REV].",
        )
        add.add_argument(
            "spec", help="opus-mt:vi-en, opus-mt:vi-en/opus-2020-06-17, argos:en-id, hf:OWNER/NAME"
        )
        add.add_argument("--dest", type=Path, help="Models folder (default: models/ in the data dir).")
        add.add_argument("--force", action="store_true", help="Fetch and replace a model already installed.")
        add.add_argument(
            "--max-size",
            type=_size,
            default=DEFAULT_MAX_BYTES,
            help="Largest download accepted, e.g. 500M or 4G (default 4G).",
        )
        add.add_argument(
            "--timeout",
            type=float,
            default=DEFAULT_TIMEOUT,
            help="Seconds to wait for the server (default 30).",
        )
        add.add_argument(
            "--quantization",
            default="int8",
            choices=QUANTIZATIONS,
            help="CTranslate2 weight type for converted models (default int8).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            spec = parse_spec(options["spec"])
        except InstallError as exc:
            raise CommandError(str(exc), returncode=MISUSE) from None
        if options["timeout"] <= 0:
            raise CommandError("--timeout must be above 0 seconds", returncode=MISUSE)
        models_dir = (options["dest"] or Path(settings.DATA_DIR) / "models").expanduser().resolve()
        # Plain lines below (paths and settings are meant to be copied, never wrapped); rich
        # draws only the progress bars, on stderr, and they vanish when done.
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=command_console(self.stderr, stderr=True),
            transient=True,
        )
        bars: dict[str, Any] = {}

        def on_progress(label: str, done: int, total: int | None) -> None:
            if label not in bars:
                bars[label] = progress.add_task(label, total=total)
            progress.update(bars[label], completed=done, total=total)

        install_options = Options(
            models_dir=models_dir,
            endpoints=Endpoints(**getattr(settings, "MT_INSTALL_URLS", {})),
            force=options["force"],
            max_bytes=options["max_size"],
            quantization=options["quantization"],
            on_progress=on_progress,
        )
        try:
            with progress, client(options["timeout"]) as http:
                installed = install(spec, install_options, http)
        except InstallError as exc:
            raise CommandError(f"{spec.label}: {exc}", returncode=MISUSE if exc.misuse else FAILED) from None
        pair = f" ({installed.pair[0]}→{installed.pair[1]})" if installed.pair else ""
        if installed.already:
            self.stdout.write(
                f"{spec.label}{pair} is already installed at {installed.path} (--force fetches it again)."
            )
        else:
            self.stdout.write(f"Installed {spec.label}{pair} at {installed.path}, from {installed.origin}.")
        for note in installed.notes:
            self.stdout.write(f"Note: {note}.")
        values = engine_settings(installed, settings.MT_ENGINES, settings.MT_ROUTES)
        self.stdout.write("Engine settings to use (the current ones kept, this model added):")
        for name, value in values.items():
            self.stdout.write(f"export {name}={shlex.quote(value)}")
        if "KABAR_MT_ROUTES" not in values and not settings.MT_ROUTES:
            self.stdout.write(
                "With KABAR_MT_ROUTES empty every engine is tried for every target, and nothing is "
                "translated automatically: run `kabar translate`, or set KABAR_MT_ROUTES "
                '(e.g. \'{"en": ["ctranslate2"]}\') to make the target an auto target.'
            )
