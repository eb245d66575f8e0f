"""AcademicHub's Prefect flows: each module one flow, a page of numbered steps over library calls.

Run without ``PREFECT_API_URL``, a flow starts a temporary Prefect server in a subprocess and waits
``PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS`` for its /api/health (20 s by default in Prefect
3.9). On an idle 2-core machine that server is up in 20 s with a new PREFECT_HOME (it creates its
database) and 6-7 s after; at a load average of 5-6 the 20 s ran out ("Timed out while attempting to
connect to ephemeral Prefect API server"), at 8-9 it took ~80 s. So any process that runs a flow (the
CLI, a deployment, a script, a Dask worker) waits up to 120 s, unless one of Prefect's settings
sources (the environment, the active profile) sets the timeout. Only the limit is longer: a server
that is up sooner is used sooner. See docs/operations.md.
"""

import os

EPHEMERAL_STARTUP_TIMEOUT = 120

# Prefect's temporary server would try to send telemetry; this machine may have no network.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from prefect.context import refresh_global_settings_context  # noqa: E402
from prefect.settings import get_current_settings  # noqa: E402

if "startup_timeout_seconds" not in get_current_settings().server.ephemeral.model_fields_set:
    os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = str(EPHEMERAL_STARTUP_TIMEOUT)
    refresh_global_settings_context()
