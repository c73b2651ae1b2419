"""Employment assistance's part of a person's data (PR-1), and the link between an
account and a registry record, which follows the person's consent
(``government_sharing``). Registered in ``AssistanceConfig.ready``.

Legal bases (docs/PRIVACY.md): the registry record itself is kept by the authority under
its statutory duty (PIPL art. 13(3)) and follows the registry's retention rules, not the
person's wishes on this platform. Linking the person's platform account to it — so that
officers see the person's contributions in the case file and pushes reach the person
here — is not required by law, so it rests on consent: only people who agreed are linked
(``accounts.selectors.identity_hashes``), withdrawing unlinks at once, and deleting the
account unlinks and keeps the record."""

from django.utils.translation import gettext_lazy

from meaningflow.accounts.personal_data import Provider, Section, choice_label
from meaningflow.accounts.selectors import consenting_users, identity_hashes
from meaningflow.assistance.models import PushItem, RegistryPerson
from meaningflow.core.services import audit_log

# The consent purpose (a value of accounts' ConsentPurpose, part of its consent_changed
# contract) that a registry link rests on.
GOVERNMENT_SHARING = "government_sharing"


def registry_link_user(*, user) -> int:
    """Link ``user`` to the registry records of their verified identity, if they agreed to
    government data sharing. Returns how many records were linked."""
    hashes = identity_hashes(user=user)
    if not hashes:
        return 0
    linked = RegistryPerson.objects.filter(id_hash__in=list(hashes), user__isnull=True).update(user=user)
    if linked:
        audit_log(
            actor=user,
            action="assistance.registry.linked",
            subject=f"accounts.user:{user.pk}",
            data={"records": linked},
        )
    return linked


def registry_unlink_user(*, user, reason: str) -> int:
    """Unlink ``user`` from every registry record (the records stay). Audited."""
    unlinked = RegistryPerson.objects.filter(user=user).update(user=None)
    if unlinked:
        audit_log(
            actor=user,
            action="assistance.registry.unlinked",
            subject=f"accounts.user:{user.pk}",
            data={"records": unlinked, "reason": reason},
        )
    return unlinked


def registry_unlink_unconsented() -> int:
    """Unlink every registry record whose account's holder has not agreed to government data
    sharing (or whose account is deleted): links made before consents were recorded, or a
    consent text that has since asked everyone again. Idempotent; audited when it unlinks."""
    consenting = consenting_users(purpose=GOVERNMENT_SHARING)
    unlinked = RegistryPerson.objects.filter(user__isnull=False).exclude(user__in=consenting).update(user=None)
    if unlinked:
        audit_log(
            action="assistance.registry.unlinked",
            subject="assistance.registry",
            data={"records": unlinked, "reason": "no_consent"},
        )
    return unlinked


def on_consent_changed(sender, user, purpose, granted, **kwargs):
    """``accounts.signals.consent_changed``: link or unlink at once, in the same transaction."""
    if purpose != GOVERNMENT_SHARING:
        return
    if granted:
        registry_link_user(user=user)
    else:
        registry_unlink_user(user=user, reason="consent_withdrawn")


def _sections(*, user, reveal_identity: bool) -> list[Section]:
    return [
        Section(
            "registry_records",
            gettext_lazy("Employment-assistance registry records linked to you"),
            (
                ("id_number", gettext_lazy("Resident ID number (masked)")),
                ("region_code", gettext_lazy("Region code")),
                ("status", gettext_lazy("Registration status")),
                ("registered_since", gettext_lazy("Registered unemployed since")),
            ),
            RegistryPerson.objects.filter(user=user).order_by("pk"),
            lambda p: {
                "id_number": p.id_masked,
                "region_code": p.region_code,
                "status": choice_label(RegistryPerson.RegistrationStatus, p.registration_status),
                "registered_since": p.registered_unemployed_since,
            },
        ),
        Section(
            "support_pushes",
            gettext_lazy("Support sent to you"),
            (
                ("kind", gettext_lazy("Kind")),
                ("month", gettext_lazy("Month")),
                ("status", gettext_lazy("Status")),
                ("sent_at", gettext_lazy("Sent")),
                ("responded_at", gettext_lazy("Answered")),
            ),
            PushItem.objects.filter(person__user=user).order_by("created_at", "pk"),
            lambda p: {
                "kind": choice_label(PushItem.Kind, p.kind),
                "month": p.period,
                "status": choice_label(PushItem.Status, p.status),
                "sent_at": p.sent_at,
                "responded_at": p.responded_at,
            },
        ),
    ]


def _erase(*, user) -> dict:
    # The record follows the registry's retention rules; only the link to the account goes.
    return {"registry_links": registry_unlink_user(user=user, reason="account_deleted")}


PROVIDER = Provider(name="assistance", sections=_sections, erase=_erase)
