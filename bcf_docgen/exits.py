"""The exit statuses of every command, defined once.

Scripts and CI jobs branch on these numbers, so `build`, `build --jobs`, `pack`, `check`
and `watch` must never disagree about what a status means.
"""

from __future__ import annotations

import signal

EXIT_OK = 0  # nothing wrong (warnings allowed unless --strict)
EXIT_CONTENT = 1  # the plan has errors, or a build was refused or does not verify
EXIT_USAGE = 2  # a usage error, or no readable plan folder / unusable --out
EXIT_INTERNAL = 3  # a bug in bcf-docgen itself (the message says so)


def interrupted(signum: int = signal.SIGTERM) -> int:
    """The status of a command stopped by a signal: 128 + its number, as shells report it,
    so that a wrapper script can tell "stopped" from "failed"."""
    return 128 + int(signum)
