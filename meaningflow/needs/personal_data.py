"""The Dream Garden's part of a person's data (PR-1): what the export holds and what
account deletion does (registered in ``NeedsConfig.ready``; ``accounts.personal_data``)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meaningflow.accounts.personal_data import Blocker, Provider, Section, choice_label
from meaningflow.needs.models import Application, Need, NeedView

# An application in one of these states is something in progress: the account cannot go
# until it is withdrawn, declined or done (the need's people count on it).
IN_PROGRESS = (
    Application.Status.APPLIED,
    Application.Status.SHORTLISTED,
    Application.Status.ACCEPTED,
    Application.Status.IN_PROGRESS,
)


def _sections(*, user, reveal_identity: bool) -> list[Section]:
    return [
        Section(
            "needs_posted",
            gettext_lazy("Needs you posted"),
            (
                ("title", gettext_lazy("Title")),
                ("organisation", gettext_lazy("Organisation")),
                ("type", gettext_lazy("Type")),
                ("status", gettext_lazy("Status")),
                ("starts_at", gettext_lazy("Starts")),
                ("ends_at", gettext_lazy("Ends")),
                ("created_at", gettext_lazy("Created")),
            ),
            Need.objects.filter(created_by=user).select_related("organisation").order_by("created_at", "pk"),
            lambda n: {
                "title": n.display_title,
                "organisation": n.organisation.name,
                "type": choice_label(Need.Type, n.type),
                "status": choice_label(Need.Status, n.status),
                "starts_at": n.starts_at,
                "ends_at": n.ends_at,
                "created_at": n.created_at,
            },
        ),
        Section(
            "applications",
            gettext_lazy("Your applications"),
            (
                ("need", gettext_lazy("Need")),
                ("organisation", gettext_lazy("Organisation")),
                ("status", gettext_lazy("Status")),
                ("role", gettext_lazy("Role")),
                ("message", gettext_lazy("Message")),
                ("outcome", gettext_lazy("Outcome")),
                ("hours", gettext_lazy("Hours given")),
                ("created_at", gettext_lazy("Applied")),
                ("confirmed_at", gettext_lazy("Confirmed")),
            ),
            Application.objects.filter(applicant=user)
            .select_related("need__organisation")
            .order_by("created_at", "pk"),
            lambda a: {
                "need": a.need.display_title,
                "organisation": a.need.organisation.name,
                "status": choice_label(Application.Status, a.status),
                "role": choice_label(Application.Role, a.role),
                "message": a.message,
                "outcome": choice_label(Application.Outcome, a.proposed_outcome) if a.proposed_outcome else "",
                "hours": a.hours,
                "created_at": a.created_at,
                "confirmed_at": a.confirmed_at,
            },
        ),
        Section(
            "needs_looked_at",
            gettext_lazy("Needs you looked at (for your recommendations)"),
            (("need", gettext_lazy("Need")), ("last_viewed_at", gettext_lazy("Last looked at"))),
            NeedView.objects.filter(user=user).select_related("need").order_by("-last_viewed_at"),
            lambda v: {"need": v.need.display_title, "last_viewed_at": v.last_viewed_at},
        ),
    ]


def _blockers(*, user) -> list[Blocker]:
    return [
        Blocker(
            "needs.delete.application_open",
            _("Your application to “%(need)s” is still %(status)s. Withdraw it, or finish the work first.")
            % {"need": a.need.display_title, "status": str(choice_label(Application.Status, a.status)).lower()},
            reverse("needs:application_detail", args=[a.pk]),
        )
        for a in Application.objects.filter(applicant=user, status__in=IN_PROGRESS).select_related("need")
    ]


def _erase(*, user) -> dict:
    """What the person looked at goes; their applications stay as facts of the needs they
    took part in (places, contributions), without the message they wrote."""
    return {
        "needs_looked_at": NeedView.objects.filter(user=user).delete()[0],
        "application_messages": Application.objects.filter(applicant=user).exclude(message="").update(message=""),
    }


PROVIDER = Provider(name="needs", sections=_sections, blockers=_blockers, erase=_erase)
