from django.urls import path

from apps.tee import views

urlpatterns = [
    path("tee/attestation", views.AttestationView.as_view()),
    path("tee/jobs", views.JobInitView.as_view()),
    path("tee/jobs/<str:job_id>/orders", views.OrderView.as_view()),
    path("tee/jobs/<str:job_id>/status", views.StatusView.as_view()),
]
