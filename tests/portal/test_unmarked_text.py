"""No text a person reads is left out of the translations (tests/unmarked.py).

The templates and the user-facing Python of every application are read by the
portal's own linter; anything it reports fails the test with its file and line.
The linter itself is checked on samples first, so that a linter that finds
nothing cannot pass for a clean portal.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from tests import unmarked

ROOT = Path(settings.BASE_DIR)
APPLICATIONS = ["portal", "exchange", "practices", "search"]


def test_the_linter_finds_unmarked_template_text_and_passes_marked_text():
    source = (
        "{% load i18n %}\n"
        '<nav aria-label="Breadcrumb"><a href="/">{% translate "Home" %}</a></nav>\n'
        "<p>{% blocktranslate with n=count %}{{ n }} results"
        "{% endblocktranslate %}</p>\n"
        "<p>Page {{ page }} of {{ pages }}</p>\n"
        "{# a comment #}<script>const words = 'not for readers';</script>\n"
        '<img alt="{% translate "Logo" %}" src="/logo.svg">\n'
    )
    assert unmarked.template_text(source) == [
        (2, "Breadcrumb"),
        (4, "Page of"),
    ]


def test_the_linter_finds_unmarked_python_text_and_passes_marked_text():
    source = "\n".join(
        [
            "messages.success(request, 'Saved.')",
            "messages.success(request, _('Saved.'))",
            "name = forms.CharField(label='Name', help_text=_('Who you are.'))",
            "raise ValidationError(f'{value} is not a year.')",
            "form.add_error('email', 'Give an address.')",
            "JsonResponse({'error': 'Not allowed.', 'code': 'denied'})",
            "JsonResponse({'detail': 'Not found.'})",
            "messages.info(request, 'Kept.')  # i18n: not translated (a sample)",
            "ChartData(slug='x', title='A chart', columns=['Year', gettext('States')])",
        ]
    )
    assert [text for _line, text in unmarked.python_text(source)] == [
        "'Saved.'",
        "'Name'",
        "f'{value} is not a year.'",
        "'Give an address.'",
        "'Not allowed.'",
        "'A chart'",
        "'Year'",
    ]


def test_every_template_marks_its_text_for_translation():
    found = unmarked.templates(ROOT, APPLICATIONS)
    assert not found, "text not marked for translation:\n" + "\n".join(map(str, found))


def test_every_user_facing_python_string_is_marked_for_translation():
    found = unmarked.python(ROOT, APPLICATIONS)
    assert not found, "text not marked for translation:\n" + "\n".join(map(str, found))
