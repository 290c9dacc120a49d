"""A State: the unit that publishes, originates documents and holds progress records."""

import functools

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import translation

from babel import Locale, UnknownLocaleError


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

    @property
    def local_name(self) -> str:
        """The State's name in the active language: the register's in English, the
        CLDR's (through Babel) in the portal's other languages."""
        language = translation.get_language() or settings.LANGUAGE_CODE
        if language.split("-")[0] == "en":
            return self.name
        return territory_names(language).get(self.iso_code, self.name)


@functools.lru_cache(maxsize=16)
def territory_names(language: str) -> dict[str, str]:
    """Country names by ISO 3166-1 alpha-2 code in `language`, from the CLDR."""
    try:
        locale = Locale.parse(translation.to_locale(language))
    except (UnknownLocaleError, ValueError):
        return {}
    return {code: str(name) for code, name in locale.territories.items()}
