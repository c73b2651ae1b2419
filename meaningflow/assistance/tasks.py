from django_tasks import task


@task()
def discovery_task(region_prefix: str, actor_id: int | None = None) -> dict:
    """Run discovery for a region in the task worker (the officer's button enqueues this)."""
    from meaningflow.accounts.models import User
    from meaningflow.assistance.discovery import discovery_run

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    return discovery_run(region_prefix=region_prefix, actor=actor)
