"""Prefect's settings for a local run and its logging of user errors; imports no Prefect.

Shared by the command line (set before Prefect is imported) and the province flow (in
every Dask worker process).
"""

from __future__ import annotations

import logging
import os

from literacy.errors import LiteracyError

__all__ = ["PREFECT_DEFAULTS", "apply_prefect_defaults", "quiet_user_errors"]

#: Prefect settings for a local run without a server: the ephemeral API (no PREFECT_API_URL),
#: a generous startup time for slow machines, nothing sent anywhere. Set only when unset.
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "600",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_UI_ENABLED": "false",
    "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
    "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
    "PREFECT_TELEMETRY_ENABLE_RESOURCE_METRICS": "false",
}


def apply_prefect_defaults() -> None:
    """Set every :data:`PREFECT_DEFAULTS` entry that the environment does not set already.

    Call it before anything imports Prefect: Prefect reads its settings once.
    """
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)


class UserErrorTracebackFilter(logging.Filter):
    """Drop the traceback Prefect logs for a failed task or flow when the cause is a user error."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record; strip its traceback when the exception is a user error.

        Parameters
        ----------
        record : logging.LogRecord
            A record of Prefect's loggers.

        Returns
        -------
        bool
            Always True (the record is logged, without a traceback for a
            :class:`~literacy.errors.LiteracyError` or an ``OSError``).
        """
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, (LiteracyError, OSError)):
            record.exc_info = None
            record.exc_text = None
        return True


def quiet_user_errors() -> None:
    """Log a user error (a bad delivery, a missing file) as one line, without Prefect's traceback.

    Adds :class:`UserErrorTracebackFilter` to Prefect's task-run, flow-run and engine loggers
    of this process (the command line's, or a Dask worker's).
    """
    flt = UserErrorTracebackFilter()
    for name in ("prefect.task_runs", "prefect.flow_runs", "prefect.engine", "prefect"):
        logging.getLogger(name).addFilter(flt)
