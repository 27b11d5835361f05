from django.urls import path

from apps.jobs import api

urlpatterns = [
    path("config", api.ConfigView.as_view()),
]
