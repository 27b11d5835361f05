"""Parsing what a jobs request names (path ids, filters) into values or 400/404 envelopes."""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from apps.core.errors import ApiError
from apps.core.fields import StrictCharField, StrictRegexField
from apps.core.pagination import page_parameters
from apps.jobs.models import Job
from apps.jobs.selectors import find_job

TAG = "jobs (seeds 001-002)"
POSITIVE_INTEGER = r"^[1-9][0-9]{0,77}$"  # uint256 has at most 78 digits
ADDRESS = r"^0x[0-9a-fA-F]{40}$"
# Ids are uint256 on chain but BIGINT here: a larger one is well formed and simply not stored.
MAX_STORED_ID = 2**63 - 1
_POSITIVE_INTEGER = re.compile(POSITIVE_INTEGER)


def id_parameter(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, str, OpenApiParameter.PATH, description=description, pattern=POSITIVE_INTEGER)


JOB_ID_PARAMETER = id_parameter("job_id", "the on-chain job id")
PAGE_PARAMETERS = page_parameters()


def parse_id(raw: str, *, name: str) -> int:
    """A positive integer id, or a 400 naming `name`."""
    if not _POSITIVE_INTEGER.match(raw):
        raise ApiError(status=400, code="VALIDATION_ERROR", message=f"{name} must be a positive integer.")
    return int(raw)


def job_or_404(raw_job_id: str) -> Job:
    job_id = parse_id(raw_job_id, name="jobId")
    job = find_job(job_id=job_id) if job_id <= MAX_STORED_ID else None
    if job is None:
        raise ApiError(status=404, code="JOB_NOT_FOUND", message=f"Job {job_id} does not exist.")
    return job


class AgentIdField(StrictCharField):
    """An agent id filter: digits, within what the database stores."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def to_internal_value(self, data: Any) -> int:
        text = super().to_internal_value(data)
        if not _POSITIVE_INTEGER.match(text):
            raise serializers.ValidationError("must be a positive integer.")
        value = int(text)
        if value > MAX_STORED_ID:
            raise serializers.ValidationError(f"must be at most {MAX_STORED_ID}.")
        return value


class AddressField(StrictRegexField):
    def __init__(self, **kwargs: Any) -> None:
        # Given before RegexField.__init__, which copies the message into its validator.
        kwargs.setdefault("error_messages", {"invalid": "must be a 0x-prefixed 20-byte hex address."})
        super().__init__(ADDRESS, **kwargs)
