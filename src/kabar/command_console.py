"""Rich consoles for management commands, drawing on the streams Django hands each command."""

from __future__ import annotations

import io
from typing import TextIO

from django.core.management.base import OutputWrapper
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


def command_console(stream: OutputWrapper, *, width: int | None = None, stderr: bool = False) -> Console:
    """A console that writes where a command's ``self.stdout`` (or ``self.stderr``) writes.

    Rich gets the stream behind Django's wrapper, not the wrapper itself:
    ``OutputWrapper.write`` adds a newline to every write that lacks one, which turns a
    live progress bar's in-place redraws into a scroll of lines. The stream behind it is
    still the one a caller chose, so ``call_command(..., stdout=buffer)`` keeps working.
    """
    return Console(file=wrapped_stream(stream), width=width, stderr=stderr)


def wrapped_stream(stream: OutputWrapper) -> TextIO:
    """The text stream an ``OutputWrapper`` writes to (a real file, a terminal, a ``StringIO``)."""
    # django-stubs declares the wrapped stream only as the constructor's argument, so the
    # attribute reads as untyped; the check below is what makes it a TextIO here.
    target: object = stream._out
    if isinstance(target, (io.TextIOWrapper, io.StringIO)):
        return target
    raise TypeError(f"a command's output must be a text stream, not {type(target).__name__}")


def counted_progress(stream: OutputWrapper, *, disable: bool = False) -> Progress:
    """The progress bar of kabar's batch commands (description, bar, done/total, elapsed) on ``stream``.

    Transient, so the summary a command prints afterwards is what stays on screen; ``disable``
    for ``--json`` output, where only the JSON may be written.
    """
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=command_console(stream, stderr=True),
        transient=True,
        disable=disable,
    )
