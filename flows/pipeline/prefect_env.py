"""Prefect's settings for a local run without a server; imports neither Prefect nor ``literacy``
(the command line reads them before it imports anything heavy).
"""

from __future__ import annotations

import os

__all__ = ["PREFECT_DEFAULTS", "apply_prefect_defaults"]

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
