from django.urls import path

from apps.jobs import views

app_name = "jobs"

urlpatterns = [
    path("jobs", views.job_list_page, name="list"),
    path("jobs/<int:job_id>", views.job_detail_page, name="detail"),
]
