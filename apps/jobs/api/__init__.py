"""Seeds 001-002: the agent-jobs API under /api/v1 (`{"success": true, "data": ...}`), public reads
and wallet-signed offer writes."""

from apps.jobs.api.config import ConfigView
from apps.jobs.api.jobs import (
    DisputeDetailView,
    JobDetailView,
    JobDisputeView,
    JobEventListView,
    JobListView,
    JobSnapshotListView,
)
from apps.jobs.api.offers import OfferListCreateView, OfferWithdrawView

__all__ = [
    "ConfigView",
    "DisputeDetailView",
    "JobDetailView",
    "JobDisputeView",
    "JobEventListView",
    "JobListView",
    "JobSnapshotListView",
    "OfferListCreateView",
    "OfferWithdrawView",
]
