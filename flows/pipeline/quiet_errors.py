"""A user error (a bad delivery, a missing file) in Prefect's log as one line, without its traceback.

Used by the command line before it runs a flow and by the province flow's city task (in
every Dask worker process). Imports no Prefect: it filters Prefect's loggers by name.
"""

from __future__ import annotations

import logging

from literacy.errors import LiteracyError

__all__ = ["UserErrorTracebackFilter", "quiet_user_errors"]


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
