"""`prefect deploy --all` for AcademicHub's prefect.yaml, working around a Prefect 3.8.8 client bug.

Prefect 3.8.8's `prefect deploy` asks the server for the pool's workers with `limit: null`, which its
own server (with the FastAPI this project must pin, <0.155) rejects with 422 after the first
deployment is created. This script passes explicit paging to that one client call and then runs the
stock command; remove it when Prefect is upgraded.

    PREFECT_API_URL=http://127.0.0.1:4200/api ACADEMICHUB_HOME=$PWD .venv/bin/python scripts/deploy.py
"""

from __future__ import annotations

import sys

from prefect.client.orchestration._work_pools.client import WorkPoolAsyncClient

_original = WorkPoolAsyncClient.read_workers_for_work_pool


async def _paged(self, work_pool_name, worker_filter=None, offset=None, limit=None):
    return await _original(self, work_pool_name, worker_filter=worker_filter, offset=offset or 0, limit=limit or 200)


WorkPoolAsyncClient.read_workers_for_work_pool = _paged

if __name__ == "__main__":
    from prefect.cli import app

    sys.argv = ["prefect", "--no-prompt", "deploy", "--all", *sys.argv[1:]]
    app()
