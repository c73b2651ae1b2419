from django.utils import timezone
from ninja.security import HttpBearer

from meaningflow.accounts.models import ApiToken
from meaningflow.accounts.services import api_token_hash


class ApiTokenAuth(HttpBearer):
    """Personal API tokens: ``Authorization: Bearer mfn_…``. Revoked tokens fail."""

    def authenticate(self, request, token: str):
        row = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=api_token_hash(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if row is None:
            return None
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
        request.user = row.user
        return row.user
