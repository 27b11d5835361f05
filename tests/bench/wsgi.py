"""WSGI application for the bench server: the project with tests.bench.urls as its URLconf."""

from __future__ import annotations

import os

import django
from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
settings.ROOT_URLCONF = "tests.bench.urls"

application = get_wsgi_application()
