"""Exchange models: partner groups, restricted documents and their versions."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from portal.tiers import Tier


class PartnerGroup(models.Model):
    """A named group of States or of individual experts, e.g. a regional partnership.

    Managed by the secretariat. Membership takes effect at once: the exchange policy
    reads it on every request, nothing is cached per session.
    """

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    states = models.ManyToManyField(
        "states.State", blank=True, related_name="partner_groups"
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="partner_groups",
        help_text=gettext_lazy(
            "Individual experts, in addition to everyone of the member States."
        ),
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Document(models.Model):
    """A piece of restricted material exchanged between vetted experts.

    Who may see it is decided by `exchange.policy` alone; every field that feeds the
    policy (tier, originating State, the three kinds of sharing, expiry, revocation)
    lives here so that the policy, its database filter and its search filter all read
    the same facts. Changes go through `exchange.actions`, never through `save()` in
    views, so that each one is checked, audited and announced.
    """

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    tier = models.CharField(
        max_length=32, choices=Tier.choices, default=Tier.RESTRICTED
    )
    originating_state = models.ForeignKey(
        "states.State", on_delete=models.PROTECT, related_name="originated_documents"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_documents",
    )
    shared_states = models.ManyToManyField(
        "states.State", blank=True, related_name="shared_documents"
    )
    shared_groups = models.ManyToManyField(
        PartnerGroup, blank=True, related_name="shared_documents"
    )
    shared_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="shared_documents",
        help_text=gettext_lazy(
            "Named individuals; the only sharing a highly confidential "
            "document may have."
        ),
    )
    handling_note = models.TextField(
        blank=True, help_text=gettext_lazy("How recipients must handle this material.")
    )
    expires_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Nobody sees the document after this moment."),
    )
    # Whether open screens were told that `expires_at` passed: a flag on the row,
    # not a time mark, so that neither a clock stepping back nor a lost cache
    # hides an expiry from the minute's announcement (reset by `set_expiry`).
    expiry_announced = models.BooleanField(default=False, editable=False)
    revoked = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When the sharing last widened: what "shared with me recently" orders by.
    last_shared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_shared_at", "-pk"]
        indexes = [
            models.Index(fields=["tier", "revoked"]),
            models.Index(fields=["last_shared_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.clean()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("exchange:detail", args=[self.pk])

    def clean(self) -> None:
        if (
            self.tier == Tier.HIGHLY_CONFIDENTIAL
            and self.pk
            and (self.shared_states.exists() or self.shared_groups.exists())
        ):
            raise ValidationError(HIGHLY_CONFIDENTIAL_SHARING_ERROR)


HIGHLY_CONFIDENTIAL_SHARING_ERROR = (
    "A highly confidential document is shared with named individuals only: "
    "remove the States and partner groups first."
)


class DocumentVersion(models.Model):
    """One uploaded file of a document, stored encrypted (see exchange/crypto.py).

    The plaintext's name, size, media type and SHA-256 are recorded at upload; the
    data key that encrypts the file is kept here wrapped by the key-encryption key
    named by `kek_id`, so that rotating that key rewrites rows, not files.
    """

    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    file_name = models.CharField(max_length=200)
    size = models.BigIntegerField()
    media_type = models.CharField(max_length=127)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    storage_name = models.CharField(max_length=255, unique=True)
    file_id = models.CharField(max_length=32, unique=True)
    wrapped_key = models.BinaryField()
    kek_id = models.CharField(max_length=32, db_index=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"], name="exchange_version_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"


@receiver(m2m_changed, sender=Document.shared_states.through)
@receiver(m2m_changed, sender=Document.shared_groups.through)
def refuse_state_or_group_sharing_of_highly_confidential(
    sender, instance, action, reverse, pk_set, **kwargs
) -> None:
    """Whatever the code path, a highly confidential document gets no State or group."""
    if action != "pre_add" or not pk_set:
        return
    if reverse:
        hit = Document.objects.filter(pk__in=pk_set, tier=Tier.HIGHLY_CONFIDENTIAL)
        if hit.exists():
            raise ValidationError(HIGHLY_CONFIDENTIAL_SHARING_ERROR)
    elif instance.tier == Tier.HIGHLY_CONFIDENTIAL:
        raise ValidationError(HIGHLY_CONFIDENTIAL_SHARING_ERROR)


class PublicRelease(models.Model):
    """The private link between a restricted document and the public good practice
    prepared from it.

    The draft page carries nothing of the source: this row alone knows where the
    practice came from, and it is never rendered on the public site, in the pages
    API, in feeds, in search or in the page's revisions. Only the originating side
    (`exchange.policy.can_work_on_release`) sees it, beside the draft. Changes go
    through `exchange.actions` (prepare, edit, approve, withdraw).
    """

    page = models.OneToOneField(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="public_release"
    )
    source = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="public_releases"
    )
    # The State that releases: the source's originating State when it was started.
    state = models.ForeignKey(
        "states.State", on_delete=models.PROTECT, related_name="+"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # What the focal point approved: the fingerprint of the page's public fields
    # (`exchange.releases.content_fingerprint`). Any later edit differs from it,
    # and an edited page cannot be published until it is approved again.
    approved_fingerprint = models.CharField(max_length=64, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        # References only: the source's title is not the release's to show.
        return f"Public release {self.pk} (page {self.page_id})"

    def get_absolute_url(self) -> str:
        return reverse("exchange:release", args=[self.pk])
