from django.contrib.auth import get_user_model
from django_tasks import task

from meaningflow.assistance.discovery import discovery_run

User = get_user_model()


@task()
def discovery_task(region_prefix: str, actor_id: int | None = None) -> dict:
    """Run discovery for a region in the task worker (the officer's button enqueues this)."""
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    return discovery_run(region_prefix=region_prefix, actor=actor)
