from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from meaningflow.places.services import places_load


class Command(BaseCommand):
    help = "Load (or refresh) Chinese administrative divisions and world cities from packaged data."

    def handle(self, *args, **options):
        counts = places_load(stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Places loaded: %(provinces)d provinces, %(prefectures)d prefectures, "
                    "%(cities)d world cities (%(divisions_created)d divisions and "
                    "%(cities_created)d cities new)."
                )
                % counts
            )
        )
