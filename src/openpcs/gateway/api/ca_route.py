"""``GET /ca.pem``: the CA certificate a node installs to check the gateway's HTTPS (the
gateway's own, or the one the admin gave with its certificate). A certificate is public: any
caller may have it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from fastapi import APIRouter, HTTPException, Response, status

from openpcs.gateway.api.responses import errors
from openpcs.gateway.tls_files import ca_path

if TYPE_CHECKING:
    from openpcs.gateway.runtime import Gateway

__all__ = ["ca_router"]

_MEDIA_TYPE = "application/x-pem-file"


def ca_router(gateway: Gateway) -> APIRouter:
    """The route that hands out the gateway's CA certificate."""
    router = APIRouter()
    settings = gateway.settings

    @router.get(
        "/ca.pem",
        tags=["tls"],
        response_class=Response,
        responses={
            200: {"content": {_MEDIA_TYPE: {}}, "description": "the CA certificate (PEM)"},
            **errors(404, e404="the gateway has no CA to hand out"),
        },
    )
    def ca_certificate() -> Response:
        """The CA certificate nodes install to check the gateway's HTTPS."""
        given = settings.https.ca
        path = given if given is not None else ca_path(settings.data_dir)
        if settings.https.certificate is not None and given is None:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND,
                "the gateway's certificate was given by its admin with no CA to hand out "
                "(https.ca)",
            )
        try:
            # read as a certificate and written anew: whatever else the file holds (a key
            # given by mistake) is never handed out
            certificate = x509.load_pem_x509_certificate(path.read_bytes())
        except OSError:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND,
                "the gateway has no CA yet: it makes one when it first starts with HTTPS on",
            ) from None
        except ValueError:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, "the gateway's CA file holds no certificate (https.ca)"
            ) from None
        pem = certificate.public_bytes(serialization.Encoding.PEM)
        disposition = 'attachment; filename="openpcs-gateway-ca.pem"'
        return Response(pem, media_type=_MEDIA_TYPE, headers={"Content-Disposition": disposition})

    return router
