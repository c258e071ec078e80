"""Progress lines of the long steps of a command, on stderr (issue 24).

A step the user would otherwise wait through in silence (Prefect's start, the reviewer
notebooks, a bootstrap) prints one line when it starts, with the time since the command
began: ``literacy [  12.4 s] executing the reviewer notebooks (4)``. No spinner, no carriage
returns: the lines read the same in a terminal, a log file and a CI transcript.

Off unless the command line turns it on (:func:`enable`), and then only when stderr is a
terminal and ``--quiet`` was not given: tests, pipes and scheduled runs see nothing. The flows
call :func:`step` whatever the setting (a no-op when off). Imports neither Prefect nor
``literacy``.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

__all__ = ["Progress", "PROGRESS", "enable", "step"]


class Progress:
    """Prints one line per step to a stream, with the seconds since :meth:`start`.

    Parameters
    ----------
    stream : file, optional
        Where the lines go (default: ``sys.stderr`` at the time of each line).
    enabled : bool
        Print at all.
    """

    def __init__(self, stream: TextIO | None = None, enabled: bool = False):
        self.stream = stream
        self.enabled = bool(enabled)
        self.started = time.monotonic()
        self._lock = threading.Lock()   # tasks run in threads: one line at a time

    def start(self, enabled: bool, stream: TextIO | None = None) -> None:
        """Turn the lines on or off and restart the clock.

        Parameters
        ----------
        enabled : bool
            Print the steps from now on.
        stream : file, optional
            Where they go (default: ``sys.stderr``).
        """
        self.enabled, self.stream, self.started = bool(enabled), stream, time.monotonic()

    def step(self, text: str) -> None:
        """Say that a step starts (nothing when off).

        Parameters
        ----------
        text : str
            What the step does, in a few words.
        """
        if not self.enabled:
            return
        out = self.stream if self.stream is not None else sys.stderr
        with self._lock:
            print(f"literacy [{time.monotonic() - self.started:6.1f} s] {text}", file=out, flush=True)


#: The process's progress reporter: the command line turns it on, the flows call it.
PROGRESS = Progress()


def enable(quiet: bool = False, stream: TextIO | None = None) -> bool:
    """Turn the progress lines on when stderr (or ``stream``) is a terminal and not ``quiet``.

    Parameters
    ----------
    quiet : bool
        ``--quiet``: no progress lines.
    stream : file, optional
        The stream to print to and test (default: ``sys.stderr``).

    Returns
    -------
    bool
        Whether the lines are on.
    """
    out = stream if stream is not None else sys.stderr
    try:
        tty = bool(out.isatty())
    except (AttributeError, ValueError):
        tty = False
    PROGRESS.start(tty and not quiet, stream)
    return PROGRESS.enabled


def step(text: str) -> None:
    """Say that a step starts, on :data:`PROGRESS` (nothing unless the command line turned it on).

    Parameters
    ----------
    text : str
        What the step does.
    """
    PROGRESS.step(text)
