"""gunicorn's settings for the compose web service (the command line gives bind and workers)."""

from prometheus_client import multiprocess


def child_exit(server, worker) -> None:
    # A worker that exits takes its live gauges with it (prometheus_client's multiprocess mode).
    multiprocess.mark_process_dead(worker.pid)
