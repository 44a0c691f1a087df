"""Progress reporting for long commands: a tqdm bar on a terminal, nothing anywhere else.

Actions take a ``Progress`` and never know where it goes; the base class
reports nowhere, so tests, the web app and piped output stay quiet.
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any, TextIO

from tqdm import tqdm


class Progress:
    """Where work reports how far it got. This base class reports nowhere."""

    def start(self, total: int | None, unit: str) -> None:
        """Begin: ``total`` units of ``unit`` ("B" for bytes, or e.g. "行"); None if unknown."""

    def update_to(self, done: int) -> None:
        """Report that ``done`` units are finished so far."""

    def finish(self) -> None:
        """Close the display, if any."""


class BarProgress(Progress):
    """A tqdm bar on a terminal stream."""

    def __init__(self, stream: TextIO, desc: str = "") -> None:
        self.stream = stream
        self.desc = desc
        self.bar: tqdm[Any] | None = None

    def start(self, total: int | None, unit: str) -> None:
        self.finish()
        in_bytes = unit == "B"
        # A terminal that reports no size (some ptys) would make tqdm hide the bar.
        size = shutil.get_terminal_size()
        self.bar = tqdm(
            total=total,
            unit=unit,
            unit_scale=in_bytes,
            unit_divisor=1024 if in_bytes else 1000,
            desc=self.desc,
            file=self.stream,
            leave=False,
            ncols=min(size.columns, 100),
            nrows=size.lines,
            mininterval=0.5,
        )

    def update_to(self, done: int) -> None:
        if self.bar is not None and done > self.bar.n:
            self.bar.update(done - self.bar.n)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def for_terminal(desc: str = "", stream: TextIO | None = None) -> Progress:
    """A bar when ``stream`` (stderr by default) is a terminal, else a silent ``Progress``."""
    stream = stream if stream is not None else sys.stderr
    # Under pytest stderr may still be a terminal (``-s``); bars would only clutter the output.
    if "PYTEST_CURRENT_TEST" in os.environ or not stream.isatty():
        return Progress()
    return BarProgress(stream, desc)
