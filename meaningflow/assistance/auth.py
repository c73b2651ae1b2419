import hashlib

from django.utils import timezone
from ninja.security import HttpBearer

from meaningflow.assistance.models import RegistryApiClient


class RegistryClientAuth(HttpBearer):
    """System-to-system registry pushes: ``Authorization: Bearer mfr_…`` of a RegistryApiClient."""

    def authenticate(self, request, token: str):
        client = RegistryApiClient.objects.filter(
            token_hash=hashlib.sha256(token.encode()).hexdigest(), revoked_at__isnull=True
        ).first()
        if client is None:
            return None
        RegistryApiClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
        request.registry_client = client
        return client
