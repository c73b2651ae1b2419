"""Double-blind reviews of any completed interaction (SPEC DG-6, SW-6, SK-3, BX-15).

A ``ReviewWindow`` belongs to one *subject*, a typed reference such as
``resources.booking:7``; the app that owns the interaction opens it when the interaction
completes. Every party may review every other party once. Reviews stay hidden from the
others until the window is revealed: when everybody has reviewed everybody, or when the
window closes.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from meaningflow.reviews.rules import COMMENT_MAX_LENGTH, RATING_MAX, RATING_MIN


class ReviewWindow(models.Model):
    subject = models.CharField(_("subject"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"), db_index=True)
    revealed_at = models.DateTimeField(_("revealed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="reviews_window_closes_after_opens",
            )
        ]
        verbose_name = _("review window")
        verbose_name_plural = _("review windows")

    def __str__(self) -> str:
        return self.title or self.subject

    @property
    def is_revealed(self) -> bool:
        return self.revealed_at is not None


class Party(models.Model):
    """A person who took part in the interaction and may review and be reviewed."""

    window = models.ForeignKey(
        ReviewWindow,
        on_delete=models.CASCADE,
        related_name="parties",
        verbose_name=_("review window"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="review_parties",
        verbose_name=_("user"),
    )
    # Free label from the calling app: "host", "guest", "poster", "applicant", "teacher" …
    role = models.CharField(_("role"), max_length=40, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["window", "user"], name="reviews_party_uniq")]
        verbose_name = _("party")
        verbose_name_plural = _("parties")

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class Review(models.Model):
    class Outcome(models.TextChoices):
        AS_AGREED = "as_agreed", _("Went as agreed")
        PARTLY = "partly", _("Partly as agreed")
        NOT_AS_AGREED = "not_as_agreed", _("Not as agreed")
        NO_SHOW = "no_show", _("Did not show up")

    window = models.ForeignKey(
        ReviewWindow,
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name=_("review window"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reviews_written",
        verbose_name=_("author"),
    )
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reviews_received",
        verbose_name=_("person reviewed"),
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    comment = models.TextField(_("comment"), max_length=COMMENT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["window", "author", "subject_user"], name="reviews_review_once_uniq"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=RATING_MIN, rating__lte=RATING_MAX),
                name="reviews_rating_range",
            ),
            models.CheckConstraint(condition=~models.Q(author=models.F("subject_user")), name="reviews_not_self"),
        ]
        indexes = [models.Index(fields=["subject_user", "window"], name="reviews_subject_user_idx")]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"{self.author} → {self.subject_user}: {self.rating}"


class SafetyTag(models.Model):
    """A private safety concern attached to a review; only moderators ever see it."""

    class Tag(models.TextChoices):
        HARASSMENT = "harassment", _("Harassment")
        UNSAFE_PLACE = "unsafe_place", _("Unsafe place")
        DISCRIMINATION = "discrimination", _("Discrimination")
        FRAUD = "fraud", _("Fraud or deception")
        OTHER = "other", _("Other safety concern")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="safety_tags", verbose_name=_("review"))
    tag = models.CharField(_("tag"), max_length=20, choices=Tag.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["review", "tag"], name="reviews_safetytag_uniq")]
        verbose_name = _("safety tag")
        verbose_name_plural = _("safety tags")

    def __str__(self) -> str:
        return self.tag
