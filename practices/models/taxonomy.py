"""The joint statement's taxonomy: commitments with sub-items, and additional actions.

Other apps (progress records) point at these by foreign key, so the codes and
numbers are stable and loaded by data migration into every database.
"""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from wagtail.admin.panels import FieldPanel
from wagtail.search import index


class Commitment(index.Indexed, models.Model):
    """A commitment of the joint statement (1-4) or one of its sub-items (2a...3c)."""

    code = models.CharField(
        max_length=4,
        unique=True,
        validators=[
            RegexValidator(r"^[1-9][a-z]?$", "A digit and an optional letter.")
        ],
        help_text="As numbered in the joint statement, e.g. 2a.",
    )
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="Empty for the four top-level commitments.",
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

    @property
    def is_top_level(self) -> bool:
        return self.parent_id is None


class AdditionalAction(index.Indexed, models.Model):
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
