"""JSON API of the assistance app: registry pushes from other systems, and a person's pushes."""

from django.shortcuts import get_object_or_404
from ninja import Status

from meaningflow.assistance import selectors, services
from meaningflow.assistance.auth import RegistryClientAuth
from meaningflow.assistance.models import ImportBatch, PushItem
from meaningflow.assistance.reasons import push_title
from meaningflow.assistance.schemas import ImportBatchOut, PushOut, PushResponseIn, RegistryImportIn
from meaningflow.core.idempotency import idempotent
from meaningflow.core.routers import ApiRouter
from meaningflow.core.validators import Id

router = ApiRouter(tags=["assistance"])


def _batch_out(batch: ImportBatch) -> dict:
    return {
        "id": batch.pk,
        "status": batch.status,
        "total_rows": batch.total_rows,
        "accepted": batch.accepted,
        "updated": batch.updated,
        "unchanged": batch.unchanged,
        "rejected": batch.rejected,
        "errors": batch.report.get("errors", []),
        "error_codes": batch.report.get("error_codes", []),
        "rows": batch.report.get("rows", []),
    }


@router.post(
    "/registry/import",
    auth=RegistryClientAuth(),
    response={201: ImportBatchOut, 200: ImportBatchOut},
)
@idempotent
def registry_import(request, payload: RegistryImportIn):
    """Push registry rows (all or nothing). 201 when applied; 200 with the report when rejected."""
    client = request.auth
    batch = services.registry_import(
        api_client=client,
        region_prefix=payload.region_prefix or client.region_prefix,
        filename="api",
        rows=payload.rows,
    )
    return Status(201 if batch.status == ImportBatch.Status.APPLIED else 200, _batch_out(batch))


def _push_out(push: PushItem) -> dict:
    return {
        "id": push.pk,
        "kind": push.kind,
        "reason_code": push.reason_code,
        "title": push_title(push.reason_code),
        "rule_reference": push.rule_reference,
        "expires_on": push.expires_on,
        "status": push.status,
    }


@router.get("/me/pushes", response=list[PushOut])
def my_pushes(request):
    return [_push_out(push) for push in selectors.pushes_for_user(user=request.user)]


@router.post("/me/pushes/{push_id}/respond", response=PushOut)
def my_push_respond(request, push_id: Id, payload: PushResponseIn):
    push = get_object_or_404(PushItem.objects.select_related("person"), pk=push_id, person__user=request.user)
    return _push_out(services.push_respond(user=request.user, push=push, response=payload.response))
