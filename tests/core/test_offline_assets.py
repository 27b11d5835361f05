"""The API documentation pages work offline: every script and stylesheet comes from this site."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def assets_of(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)


@pytest.mark.parametrize(("path", "library"), [("/api/docs/", "swagger-ui"), ("/api/redoc/", "redoc")])
def test_the_docs_load_every_asset_from_the_site_itself(client, path, library):
    page = client.get(path)

    assert page.status_code == 200
    html = page.content.decode()
    assets = assets_of(html)
    assert any(library in asset for asset in assets), assets
    for asset in assets:
        assert asset.startswith("/static/"), f"{asset} is not served by the platform"
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is missing from the static files"
    assert "cdn" not in html.lower() and "@latest" not in html


def test_the_docs_point_at_the_schema(client):
    # Swagger UI's start-up script is a file of its own (the CSP allows no inline script).
    script = re.search(r'<script src="(/api/docs/\?script=[^"]*)"', client.get("/api/docs/").content.decode())
    assert script, "the Swagger page loads no start-up script"
    started = client.get(script.group(1))
    assert started["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in started.content.decode()
    assert "/api/schema/" in client.get("/api/redoc/").content.decode()


def test_the_site_has_an_icon_on_every_page(client):
    assert 'rel="icon"' in client.get("/login").content.decode()
    icon = client.get("/favicon.ico")
    assert icon.status_code == 301
    assert finders.find(icon["Location"].removeprefix("/static/"))
