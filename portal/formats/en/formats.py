"""How the portal writes dates and times in English: "2 December 2026, 06:01 UTC".

One style everywhere, through Django's formats rather than per-template strings:
the day, the month in words (no "Dec." that reads differently across readers), the
year; 24-hour time (no "a.m." or "AM"), always followed by the time zone, since
the portal's readers work across many zones. Templates write `|date` for a date,
`|date:"DATETIME_FORMAT"` for a moment, and `|date:"YEAR_MONTH_FORMAT"` for a
month. What is not set here (input formats, numbers) falls back to Django's own
English formats. Machine-readable values (`<time datetime>`, JSON, the audit
exports) stay ISO 8601.
"""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i T"
DATETIME_FORMAT = "j F Y, H:i T"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
# The short forms are the same: an abbreviated month is the style the portal avoids.
SHORT_DATE_FORMAT = "j F Y"
SHORT_DATETIME_FORMAT = "j F Y, H:i T"
