from django.core.management import call_command
from django_tasks import task


@task()
def run_management_command(name: str) -> None:
    """Run one periodic job (a management command) in the task worker."""
    call_command(name)
