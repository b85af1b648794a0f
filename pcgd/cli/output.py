"""Printing results: JSON for scripts, progress bars for people."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")


def progress_bar(*, quiet: bool = False) -> Progress:
    """A progress bar on stderr, so --json output on stdout stays clean."""
    from rich.console import Console

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=quiet or not sys.stderr.isatty(),
        transient=True,
    )
