"""The portal's user: signs in with an email, acts for one State, holds a clearance."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.tiers import Tier

if TYPE_CHECKING:
    from django_otp.models import Device


def validate_time_zone(value: str) -> None:
    """A zone of the IANA database ("Europe/Vienna"), as zoneinfo knows them."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not a time zone the portal knows."),
            params={"value": value},
        )


class UserQuerySet(models.QuerySet["User"]):
    def update(self, **kwargs: Any) -> int:
        """A bulk update skips `save()`: refuse one that touches access fields
        outside the actions, as the pre_save receiver does for a single row."""
        from portal.accounts.guard import PROTECTED_USER_FIELDS, refuse_unaudited

        if any(f in kwargs or f"{f}_id" in kwargs for f in PROTECTED_USER_FIELDS):
            refuse_unaudited("Superuser status, clearance and vetting")
        return super().update(**kwargs)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_queryset(self) -> UserQuerySet:
        # What `from_queryset` would build, written out so that the type checker
        # follows it: every bulk update of users goes through `UserQuerySet`.
        return UserQuerySet(self.model, using=self._db)

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractUser):
    """A person with an account.

    Clearance and vetting are facts about the person, recorded by the secretariat;
    they grant nothing on their own: the exchange policy combines them with the
    session's second factor and each document's sharing.
    """

    # The stubs type the inherited field as str; removing it is Django's documented
    # way to sign in by email.
    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    state = models.ForeignKey(
        "states.State",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=gettext_lazy("The State this person acts for."),
    )
    clearance = models.CharField(
        max_length=32,
        choices=Tier.choices,
        default=Tier.PUBLIC,
        help_text=gettext_lazy("The highest tier this person may see."),
    )
    vetted_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    vetted_at = models.DateTimeField(null=True, blank=True)
    vetted_until = models.DateField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Exchange access ends after this day."),
    )
    # Times on the pages are written in this zone (portal.accounts.middleware);
    # the stored moments stay in UTC.
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text=gettext_lazy("Times on the portal's pages are shown in this zone."),
    )
    # The language of pages without a language prefix and of mails; empty until the
    # person chooses one (the browser's Accept-Language then decides).
    language = models.CharField(
        max_length=16,
        blank=True,
        default="",
        choices=settings.LANGUAGES,
        help_text=gettext_lazy(
            "The portal's pages and mails are written in this language."
        ),
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    # The stubs type AbstractUser's manager as Django's own UserManager, which a
    # user model without a username cannot use; Django documents replacing it.
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    if TYPE_CHECKING:
        # Set on the request's user by django-otp's middleware (and, for sockets,
        # by `portal.accounts.channels`): the device that verified the session.
        otp_device: Device | None
        is_verified: Callable[[], bool]

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        # Templates, notifications and mails print a person with `str()`: the
        # name others may read, never the address.
        return self.display_name

    @property
    def display_name(self) -> str:
        """How the portal names a person to others: never by the email address."""
        return self.get_full_name() or _("Expert #%(id)s") % {"id": self.pk}

    def is_vetted(self, today: datetime.date | None = None) -> bool:
        """Active, vetted, and the vetting has not expired."""
        today = today or timezone.localdate()
        return bool(self.is_active and self.vetted_until and self.vetted_until >= today)


class Invitation(models.Model):
    """A single-use link for an expert of the inviter's State.

    Only the SHA-256 of the token is stored: a leaked table cannot be replayed.
    """

    email = models.EmailField()
    state = models.ForeignKey(
        "states.State", on_delete=models.PROTECT, related_name="invitations"
    )
    invited_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="invitations_sent"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.OneToOneField(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitation",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation of {self.email}"

    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class VettingReminder(models.Model):
    """One reminder per vetting expiry date: the command that sends it is idempotent."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="vetting_reminders"
    )
    vetted_until = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "vetted_until"], name="one_reminder_per_expiry"
            )
        ]

    def __str__(self) -> str:
        return f"Reminder to {self.user} for {self.vetted_until}"


class VettingApproval(models.Model):
    """A vetting to highly confidential waiting for its second approval.

    The clearance takes effect only once both the secretariat and the focal point of
    the expert's State approved it: two different people, neither the expert.
    """

    expert = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="vetting_approvals"
    )
    clearance = models.CharField(max_length=32, choices=Tier.choices)
    vetted_until = models.DateField()
    requested_at = models.DateTimeField(default=timezone.now)
    secretariat_approver = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    secretariat_approved_at = models.DateTimeField(null=True, blank=True)
    focal_point_approver = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    focal_point_approved_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["expert"],
                condition=models.Q(completed_at__isnull=True),
                name="one_open_vetting_approval",
            ),
            models.CheckConstraint(
                condition=~models.Q(
                    secretariat_approver=models.F("focal_point_approver")
                ),
                name="two_different_vetting_approvers",
            ),
            models.CheckConstraint(
                condition=~models.Q(secretariat_approver=models.F("expert"))
                & ~models.Q(focal_point_approver=models.F("expert")),
                name="no_expert_approves_own_vetting",
            ),
        ]

    def __str__(self) -> str:
        return f"Vetting of {self.expert} to {self.get_clearance_display()}"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


class FactorReset(models.Model):
    """Removing every second factor of an account whose owner lost them all.

    The focal point of the account's State asks, the secretariat confirms: two
    different people, neither the account's owner. Until confirmed, nothing changes.
    """

    account = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="factor_resets"
    )
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(confirmed_at__isnull=True),
                name="one_open_factor_reset",
            ),
            models.CheckConstraint(
                condition=~models.Q(requested_by=models.F("account"))
                & ~models.Q(confirmed_by=models.F("account")),
                name="no_owner_resets_own_factors",
            ),
            models.CheckConstraint(
                condition=~models.Q(confirmed_by=models.F("requested_by")),
                name="two_different_factor_reset_people",
            ),
        ]

    def __str__(self) -> str:
        return f"Factor reset of {self.account}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None
