"""Stopping cleanly on SIGTERM and SIGHUP, as on Ctrl-C.

By default these signals end a Python process at once: no `finally` runs, so a half-written
temporary file stays behind and a terminal left in raw mode by the questions stays raw. Inside
`stop_on_signals()` (the CLI runs every command in it), the first SIGTERM or SIGHUP instead
raises `Terminated` in the main thread, wherever it is: blocked reading input, waiting at a
question, writing a file. Like KeyboardInterrupt it is a BaseException, so `except Exception`
does not catch it; every `finally` and `with` block unwinds on its way out (temporary files
are removed, prompt_toolkit restores the terminal), and the CLI then exits with 128 + the
signal number (143 for SIGTERM, 129 for SIGHUP), as a shell reports a process a signal ended.
A second signal while unwinding ends the process at once (the default action is put back).

To save work when a signal arrives, catch `Terminated` where KeyboardInterrupt is caught, save,
and re-raise it::

    try:
        answers = wizard.run(...)
    except (KeyboardInterrupt, Terminated):
        save(partial_answers)
        raise

`held()` delays these signals (and SIGINT) over a few statements that must not be split, such
as creating a temporary file and noting its name for removal.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType

#: The signals that stop the program cleanly (SIGINT is Python's own KeyboardInterrupt); where
#: a system has no SIGHUP (Windows), those it has.
STOPPING = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Terminated(BaseException):
    """A signal asked the program to stop; `status` is the exit status to end with."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.status = 128 + signum


def _stop(signum: int, frame: FrameType | None) -> None:
    for each in STOPPING:  # a second signal ends the process while this one unwinds
        signal.signal(each, signal.SIG_DFL)
    raise Terminated(signum)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into `Terminated` inside this block; put the old handlers back
    after it. Only the main thread can set handlers; elsewhere this does nothing."""
    try:
        previous = {each: signal.signal(each, _stop) for each in STOPPING}
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        for each, handler in previous.items():
            signal.signal(each, handler)


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Delay SIGTERM, SIGHUP and SIGINT until the end of this block (where the system can)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    blocked = {*STOPPING, signal.SIGINT}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
