"""Places are never over-filled under concurrent accepts (PostgreSQL row locks)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from meaningflow.needs import services
from meaningflow.needs.models import Application, Need

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_accepts_never_overfill(make_need, make_user, alice):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks; concurrency is proven on PostgreSQL")
    need = make_need(places=3)
    applications = [services.application_create(need=need, applicant=make_user(f"c{i}"), message="") for i in range(10)]
    barrier = threading.Barrier(len(applications))
    outcomes: list[str] = []

    def accept(application):
        try:
            barrier.wait()
            services.application_transition(application=application, action="accept", actor=alice)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("full")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(a,)) for a in applications]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    need.refresh_from_db()
    assert outcomes.count("ok") == 3 and outcomes.count("full") == 7
    assert need.filled_places == 3 and need.status == Need.Status.FILLED
    assert Application.objects.filter(need=need, status="accepted").count() == 3
