"""A State: the unit that publishes, originates documents and holds progress records."""

from django.core.validators import RegexValidator
from django.db import models


class State(models.Model):
    """A State in the register; subscribing States carry their subscription date."""

    name = models.CharField(max_length=100, unique=True)
    iso_code = models.CharField(
        "ISO 3166-1 alpha-2 code",
        max_length=2,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", "Two capital letters, e.g. NL.")],
    )
    iso_alpha3 = models.CharField(
        "ISO 3166-1 alpha-3 code",
        max_length=3,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{3}$", "Three capital letters, e.g. NLD.")],
    )
    is_subscriber = models.BooleanField(
        "subscribes to the joint statement",
        default=False,
    )
    subscribed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
