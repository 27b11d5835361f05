from django.urls import path

from apps.jobs import api

urlpatterns = [
    path("config", api.ConfigView.as_view()),
    path("jobs", api.JobListView.as_view()),
    path("jobs/<str:job_id>", api.JobDetailView.as_view()),
    path("jobs/<str:job_id>/events", api.JobEventListView.as_view()),
    path("jobs/<str:job_id>/snapshots", api.JobSnapshotListView.as_view()),
    path("jobs/<str:job_id>/dispute", api.JobDisputeView.as_view()),
    path("jobs/<str:job_id>/offers", api.OfferListCreateView.as_view()),
    path("jobs/<str:job_id>/offers/<str:agent_id>", api.OfferWithdrawView.as_view()),
    path("disputes/<str:dispute_id>", api.DisputeDetailView.as_view()),
]
