"""Probes: /health (liveness), /health/ready (dependencies), /health/sidecar."""

from __future__ import annotations

import httpx
from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import Family, error_body
from apps.core.openapi import error_responses
from apps.core.probes import readiness


class _Probe(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class LivenessView(_Probe):
    @extend_schema(
        tags=["health"],
        auth=[],
        responses={200: inline_serializer("Liveness", {"status": serializers.CharField()})},
    )
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


_Readiness = inline_serializer(
    "Readiness",
    {
        "status": serializers.CharField(),
        "checks": serializers.DictField(child=serializers.CharField()),
        "details": serializers.DictField(
            help_text=(
                "What a part reports beside ok or error, by part: `chain_node` has `headBlock`, "
                "`headBlockAt` and, per follower under `indexer`, `indexedBlock`, `indexedBlockAt`, "
                "`lagBlocks`, `lagSeconds`, `lastRunAt`, `secondsSinceLastRun` and `nodeDownSince`."
            ),
        ),
    },
)


class ReadinessView(_Probe):
    @extend_schema(tags=["health"], auth=[], responses={200: _Readiness, 503: _Readiness})
    def get(self, request: Request) -> Response:
        report = readiness()
        shown = {"checks": report.checks, "details": report.details}
        if not report.failed:
            return Response({"status": "ready", **shown})
        message = f"Not ready: {', '.join(report.failed)} failed."
        body = error_body(Family.DESK, status=503, code="NOT_READY", message=message)
        return Response({"status": "not_ready", **shown, **body}, status=503)


class SidecarView(_Probe):
    @extend_schema(
        tags=["health"],
        auth=[],
        responses={
            200: inline_serializer(
                "Sidecar", {"status": serializers.CharField(), "url": serializers.CharField(allow_null=True)}
            ),
            **error_responses(Family.DESK, 503),
        },
    )
    def get(self, request: Request) -> Response:
        """The CEX sidecar's health: SIDECAR_URL's, or else the TEE gateway's (the process that
        holds the CEX keys here); `not_configured` while neither is set."""
        url = settings.SIDECAR_URL or settings.TEE_GATEWAY_URL
        if not url:
            return Response({"status": "not_configured", "url": None})
        try:
            httpx.get(url.rstrip("/") + "/health", timeout=settings.PROBE_TIMEOUT_SECONDS).raise_for_status()
        except httpx.HTTPError as exc:
            body = error_body(
                Family.DESK, status=503, code="SIDECAR_DOWN", message=f"Sidecar unreachable: {type(exc).__name__}"
            )
            return Response(body, status=503)
        return Response({"status": "ok", "url": url})
