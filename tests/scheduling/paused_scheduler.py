"""`python -m tests.scheduling.paused_scheduler scheduler ...`: the `surveys` command whose first
reminder holds its transaction open, so that a fault test can kill the process inside a job.

PAUSE_SECONDS and MARKER_FILE (environment): the first process to reach a reminder's commit
creates the marker (with its pid) and sleeps with the reminder's rows written but not committed;
later ones find the marker and do not pause. The production code knows nothing of this: the
pause wraps `jobs.finish` before the scheduler starts.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import time

from surveys.cli import main
from surveys.extensions import db
from surveys.scheduling import jobs

logger = logging.getLogger(__name__)


def pause_once(marker: str, seconds: float) -> bool:
    """Sleep unless another process has paused already (the marker file exists)."""
    try:
        with open(marker, "x") as handle:
            handle.write(f"{os.getpid()}\n")
    except FileExistsError:
        return False
    logger.warning("test pause: holding a reminder's transaction open for %ss", seconds)
    time.sleep(seconds)
    return True


def hold_first_reminder(finish, marker: str, seconds: float):
    @functools.wraps(finish)
    def finish_after_a_pause(run, messages: int) -> None:
        if run.kind == jobs.REMINDER:
            run.messages_queued = messages
            db.session.flush()  # the reminder's rows are written, not committed
            pause_once(marker, seconds)
        finish(run, messages)

    return finish_after_a_pause


if __name__ == "__main__":
    jobs.finish = hold_first_reminder(
        jobs.finish, os.environ["MARKER_FILE"], float(os.environ["PAUSE_SECONDS"])
    )
    sys.argv[0] = "surveys"
    main()
