"""Public reads of jobs, their events, snapshots and disputes (seed 002).

The job list and detail are the hot reads: their rows come from SQL selectors as dicts and
`apps.jobs.presenters` writes the job objects; the serializers stay as their schema."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import ApiError, Family
from apps.core.fields import StrictChoiceField
from apps.core.openapi import error_responses
from apps.core.pagination import PageLimitPagination
from apps.core.query import QuerySerializer, reject_unknown_parameters
from apps.jobs.api.freshness import IndexedBlockHeaders
from apps.jobs.api.params import (
    JOB_ID_PARAMETER,
    MAX_STORED_ID,
    PAGE_PARAMETERS,
    TAG,
    AddressField,
    AgentIdField,
    id_parameter,
    job_or_404,
    parse_id,
)
from apps.jobs.models import JobStatus, StrategyType
from apps.jobs.presenters import present_job_detail, present_job_summary
from apps.jobs.selectors import (
    JobFilters,
    dispute_of_job,
    find_dispute,
    job_detail_row,
    job_events,
    job_snapshots,
    job_summaries,
)
from apps.jobs.serializers import (
    DisputeEnvelopeSerializer,
    DisputeSerializer,
    JobEnvelopeSerializer,
    JobEventListEnvelopeSerializer,
    JobEventSerializer,
    JobListEnvelopeSerializer,
    OptionalDisputeEnvelopeSerializer,
    SnapshotDetailSerializer,
    SnapshotListEnvelopeSerializer,
)


class _PublicView(IndexedBlockHeaders, APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class JobListView(_PublicView):
    class FilterSerializer(QuerySerializer):
        status = StrictChoiceField(choices=JobStatus.choices, required=False)
        strategyType = StrictChoiceField(choices=StrategyType.choices, required=False)
        clientId = AgentIdField()
        providerId = AgentIdField()
        evaluatorId = AgentIdField()
        ownerAddress = AddressField(required=False)

        def to_filters(self) -> JobFilters:
            """The validated query as the selector's filters (shared with the explorer page)."""
            given = self.validated_data
            return JobFilters(
                status=given.get("status"),
                strategy_type=given.get("strategyType"),
                client_id=given.get("clientId"),
                provider_id=given.get("providerId"),
                evaluator_id=given.get("evaluatorId"),
                owner_address=given.get("ownerAddress"),
            )

    ALLOWED_PARAMETERS = {*FilterSerializer().fields, "page", "limit"}

    @extend_schema(
        tags=[TAG],
        operation_id="jobs_list",
        auth=[],
        summary="List jobs",
        description=(
            "Jobs newest first. Each item is the job object of GET /jobs/{jobId} without its "
            "`stakeLocks`, `snapshots`, `dispute` and `offers`. `ownerAddress` (case-insensitive) "
            "matches jobs where that wallet owns the client, provider or evaluator agent. An unknown "
            "value or an unknown parameter name is a 400."
        ),
        parameters=[
            OpenApiParameter("status", str, enum=JobStatus.values),
            OpenApiParameter("strategyType", str, enum=StrategyType.values),
            *(
                OpenApiParameter(name, str, pattern=r"^[1-9][0-9]{0,18}$", description=f"agent id of the {role}")
                for name, role in (("clientId", "client"), ("providerId", "provider"), ("evaluatorId", "evaluator"))
            ),
            OpenApiParameter("ownerAddress", str, pattern=r"^0x[0-9a-fA-F]{40}$"),
            *PAGE_PARAMETERS,
        ],
        responses={200: JobListEnvelopeSerializer, **error_responses(Family.JOBS, 400)},
    )
    def get(self, request: Request) -> Response:
        reject_unknown_parameters(request.query_params, self.ALLOWED_PARAMETERS)
        # A plain dict: DRF reads a QueryDict as an HTML form, where `?status=` would mean "absent".
        params = self.FilterSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        filters = params.to_filters()
        paginator = PageLimitPagination()
        rows = paginator.paginate_queryset(job_summaries(filters=filters), request, self)
        return paginator.get_paginated_response([present_job_summary(row) for row in rows])


class JobDetailView(_PublicView):
    @extend_schema(
        tags=[TAG],
        operation_id="jobs_retrieve",
        auth=[],
        summary="One job with all its data",
        parameters=[JOB_ID_PARAMETER],
        responses={200: JobEnvelopeSerializer, **error_responses(Family.JOBS, 400, 404)},
    )
    def get(self, request: Request, job_id: str) -> Response:
        number = parse_id(job_id, name="jobId")
        job = job_detail_row(job_id=number) if number <= MAX_STORED_ID else None
        if job is None:
            raise ApiError(status=404, code="JOB_NOT_FOUND", message=f"Job {number} does not exist.")
        return Response({"success": True, "data": present_job_detail(job)})


class JobEventListView(_PublicView):
    class FilterSerializer(serializers.Serializer):
        status = StrictChoiceField(choices=JobStatus.choices, required=False)

    @extend_schema(
        tags=[TAG],
        operation_id="jobs_events_list",
        auth=[],
        summary="A job's on-chain events, in chain order",
        parameters=[
            JOB_ID_PARAMETER,
            OpenApiParameter("status", str, enum=JobStatus.values, description="the job status the event led to"),
            *PAGE_PARAMETERS,
        ],
        responses={200: JobEventListEnvelopeSerializer, **error_responses(Family.JOBS, 400, 404)},
    )
    def get(self, request: Request, job_id: str) -> Response:
        job = job_or_404(job_id)
        params = self.FilterSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        paginator = PageLimitPagination()
        page = paginator.paginate_queryset(job_events(job=job, status=params.validated_data.get("status")), request)
        return paginator.get_paginated_response(JobEventSerializer(page, many=True).data)


class JobSnapshotListView(_PublicView):
    @extend_schema(
        tags=[TAG],
        operation_id="jobs_snapshots_list",
        auth=[],
        summary="A job's TEE balance snapshots, newest first",
        parameters=[JOB_ID_PARAMETER, *PAGE_PARAMETERS],
        responses={200: SnapshotListEnvelopeSerializer, **error_responses(Family.JOBS, 400, 404)},
    )
    def get(self, request: Request, job_id: str) -> Response:
        job = job_or_404(job_id)
        paginator = PageLimitPagination()
        page = paginator.paginate_queryset(job_snapshots(job=job), request)
        return paginator.get_paginated_response(SnapshotDetailSerializer(page, many=True).data)


class JobDisputeView(_PublicView):
    @extend_schema(
        tags=[TAG],
        operation_id="jobs_dispute_retrieve",
        auth=[],
        summary="The dispute of a job, or null",
        parameters=[JOB_ID_PARAMETER],
        responses={200: OptionalDisputeEnvelopeSerializer, **error_responses(Family.JOBS, 400, 404)},
    )
    def get(self, request: Request, job_id: str) -> Response:
        dispute = dispute_of_job(job=job_or_404(job_id))
        return Response({"success": True, "data": DisputeSerializer(dispute).data if dispute else None})


class DisputeDetailView(_PublicView):
    @extend_schema(
        tags=[TAG],
        operation_id="disputes_retrieve",
        auth=[],
        summary="One dispute",
        parameters=[id_parameter("dispute_id", "the on-chain dispute id")],
        responses={200: DisputeEnvelopeSerializer, **error_responses(Family.JOBS, 400, 404)},
    )
    def get(self, request: Request, dispute_id: str) -> Response:
        number = parse_id(dispute_id, name="disputeId")
        dispute = find_dispute(dispute_id=number) if number <= MAX_STORED_ID else None
        if dispute is None:
            raise ApiError(status=404, code="DISPUTE_NOT_FOUND", message=f"Dispute {number} does not exist.")
        return Response({"success": True, "data": DisputeSerializer(dispute).data})
