"""Views that raise each kind of error under each family's paths, for the envelope tests."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import include, path
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import ApiError
from apps.core.pagination import PageLimitPagination, PageSizePagination
from apps.core.wallet_auth import WalletSignedView, wallet_signed_write


class _Body(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=20, decimal_places=6)


class Raiser(APIView):
    """GET ?kind=400|401|403|404|409|500 raises that error; POST validates a body."""

    def get_permissions(self):
        if self.request.query_params.get("kind") == "401":
            return super().get_permissions()  # the default: signed in and active
        return [AllowAny()]

    def get(self, request, **kwargs):
        kind = request.query_params.get("kind")
        if kind == "403":
            raise PermissionDenied
        if kind == "404":
            raise Http404
        if kind == "409":
            raise ApiError(status=409, code="DUPLICATE", message="Already there.")
        if kind == "500":
            raise RuntimeError("secret internals")
        return Response({"ok": True})

    def post(self, request, **kwargs):
        _Body(data=request.data).is_valid(raise_exception=True)
        return Response({"ok": True})


class Numbers(APIView):
    permission_classes = [AllowAny]
    pagination_class = PageLimitPagination

    def get(self, request, **kwargs):
        paginator = (PageSizePagination if request.query_params.get("style") == "size" else PageLimitPagination)()
        page = paginator.paginate_queryset(list(range(1, 46)), request, self)
        return paginator.get_paginated_response(page)


class WalletSigned(WalletSignedView):
    """A wallet-signed write; `/signed-seed` also takes the seeds' bare message."""

    accept_seed_message = False

    def post(self, request, job_id):
        return wallet_signed_write(
            request,
            scope="offers",
            job_id=job_id,
            write=lambda signer: Response({"signer": signer}),
            accept_seed_message=self.accept_seed_message,
        )


def plain_django_view(request, **kwargs):
    raise RuntimeError("a plain view failed")


family_routes = [
    path("raise", Raiser.as_view()),
    path("numbers", Numbers.as_view()),
    path("plain", plain_django_view),
]

urlpatterns = [
    path("api/v1/jobs/<str:job_id>/signed", WalletSigned.as_view()),
    path("api/v1/jobs/<str:job_id>/signed-seed", WalletSigned.as_view(accept_seed_message=True)),
    path("api/v1/jobs/", include(family_routes)),
    path("api/v1/trades/", include(family_routes)),
    path("api/droids/", include(family_routes)),
    path("", include("config.urls")),
]
