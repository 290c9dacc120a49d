"""The joint statement's taxonomy: commitments with sub-items, and additional actions.

Other apps (progress records) point at these by foreign key, so the codes and
numbers are stable and loaded by data migration into every database.
"""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy

from wagtail.admin.panels import FieldPanel
from wagtail.search import index

from practices.protection import ProtectedTermMixin


class Commitment(ProtectedTermMixin, index.Indexed, models.Model):
    """A commitment of the joint statement (1-4) or one of its sub-items (2a...3c)."""

    code = models.CharField(
        max_length=4,
        unique=True,
        validators=[
            RegexValidator(r"^[1-9][a-z]?$", "A digit and an optional letter.")
        ],
        help_text=gettext_lazy("As numbered in the joint statement, e.g. 2a."),
    )
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=gettext_lazy("Empty for the four top-level commitments."),
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    panels = [
        FieldPanel("code"),
        FieldPanel("title"),
        FieldPanel("description"),
        FieldPanel("parent"),
        FieldPanel("sort_order"),
    ]
    search_fields = [
        index.SearchField("title"),
        index.SearchField("description"),
        index.FilterField("code"),
    ]

    class Meta:
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.code}. {self.title}"


class AdditionalAction(ProtectedTermMixin, index.Indexed, models.Model):
    """One of the 14 actions States may take beyond the commitments."""

    number = models.PositiveSmallIntegerField(
        unique=True, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    title = models.CharField(max_length=120)
    text = models.TextField()

    panels = [FieldPanel("number"), FieldPanel("title"), FieldPanel("text")]
    search_fields = [index.SearchField("title"), index.SearchField("text")]

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"Action {self.number}: {self.title}"


class IAEADocument(ProtectedTermMixin, index.Indexed, models.Model):
    """An IAEA publication that good practices implement and guidance contributes to.

    The five documents of the joint statement are loaded by migration; the
    secretariat adds others as States contribute to them.
    """

    slug = models.SlugField(
        max_length=40,
        unique=True,
        help_text=gettext_lazy("Used in shareable filter links."),
    )
    short_name = models.CharField(max_length=60, help_text=gettext_lazy("e.g. NSS 13"))
    title = models.CharField(max_length=255)
    url = models.URLField(
        blank=True, help_text=gettext_lazy("The publication on the IAEA site.")
    )
    sort_order = models.PositiveSmallIntegerField(default=100)

    panels = [
        FieldPanel("short_name"),
        FieldPanel("slug"),
        FieldPanel("title"),
        FieldPanel("url"),
        FieldPanel("sort_order"),
    ]
    search_fields = [index.SearchField("short_name"), index.SearchField("title")]

    class Meta:
        ordering = ["sort_order", "short_name"]
        verbose_name = "IAEA document"

    def __str__(self) -> str:
        return self.short_name


class Language(ProtectedTermMixin, models.Model):
    """The language a page is written in, so readers can find content they can read."""

    code = models.CharField(
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$", "A BCP 47 tag.")],
        help_text=gettext_lazy("BCP 47 language tag, e.g. en or fr."),
    )
    name = models.CharField(max_length=60, unique=True)

    panels = [FieldPanel("code"), FieldPanel("name")]

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
