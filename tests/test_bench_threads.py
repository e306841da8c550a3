"""bench.threads explains the gthread figures of docs/performance.md by the waits a request makes
among threads: it must count a thread's waits, and only those of its own requests."""

from __future__ import annotations

import time

from bench.threads import run


def test_every_wait_of_a_request_is_counted_for_the_threads_that_make_them():
    def waits_twice() -> None:
        time.sleep(0.001)
        time.sleep(0.001)

    figures = run([waits_twice] * 3, 30)

    # Each sleep leaves the CPU at least once: by itself, or (on a busy machine) preempted just
    # before, when its timer has expired by the time it runs again (CI once counted 59 of 60
    # voluntary).
    assert figures["voluntary"] + figures["involuntary"] >= 2
    assert figures["voluntary"] >= 1.5
    assert figures["wall_ms"] >= 2 / 3  # three threads sleeping 2 ms at once: 2/3 ms a request


def test_a_thread_that_never_waits_is_not_counted_as_waiting():
    def computes() -> None:
        sum(range(2000))

    figures = run([computes], 200)

    assert figures["voluntary"] < 0.5
    assert figures["cpu_ms"] > 0
