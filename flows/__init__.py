"""AcademicHub's Prefect flows.

Run without ``PREFECT_API_URL``, a flow starts a temporary Prefect server in a subprocess and waits
for it; Prefect's default wait (20 s) is too short on a busy 2-core machine (the server imports
Prefect and migrates its database first), and the day's job would fail for that alone. Unless the
operator chose a value, wait up to 180 s.
"""

import os

os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
