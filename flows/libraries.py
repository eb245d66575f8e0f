"""The ``refresh-libraries`` flow (daily): readers' synced libraries (Zotero, ORCID via OpenAlex).

1. Refresh every due library source (``academichub.papers.libsync.refresh_libraries``: Zotero
   incrementally by library version, a failed source keeps its previous papers).
2. Publish the tally as an artifact (sources are shown with their keys masked).
"""

from __future__ import annotations

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE as NO_CACHE

from academichub.papers.libsync import SyncReport, refresh_libraries
from academichub.services import Services
from academichub.settings import load_settings


@task(name="refresh-library-sources", cache_policy=NO_CACHE)
def refresh(services: Services, force: bool) -> SyncReport:
    """I/O task: the fetcher's own retries (Retry-After aware) are the only retries."""
    return refresh_libraries(services, force=force)


@flow(name="refresh-libraries", log_prints=True)
def refresh_libraries_flow(force: bool = False) -> SyncReport:
    """Refresh the readers' Zotero libraries and ORCID publications that are due (``force``: all)."""
    services = Services.open(load_settings())
    try:
        report = refresh(services, force)
    finally:
        services.close()
    create_markdown_artifact(key="library-sync", markdown=report.markdown(), description="Library sync")
    print(report.summary())
    for outcome in report.outcomes:
        if outcome.state == "failed":
            print(f"WARNING: {outcome.line()}")
    return report


__all__ = ["refresh_libraries_flow"]
