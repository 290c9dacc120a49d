"""Loads the demonstration content of the public site; running it again adds nothing."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable

from django.core.files.images import ImageFile
from django.db import transaction
from django.utils.text import slugify

from wagtail.images import get_image_model

from practices.actions import ensure_site_structure
from practices.demo import data
from practices.models import (
    AdditionalAction,
    Commitment,
    EventPage,
    GoodPracticePage,
    GuidanceContributionPage,
    HomePage,
    IAEADocument,
    InformationPage,
    Language,
    StatePage,
)

PROFILE = (
    "<p>{name} subscribed to the joint statement <i>Strengthening Nuclear Security "
    "Implementation</i> at The Hague on 25 March 2014. This profile is demonstration "
    "content: the State's own editors replace it with a description of the national "
    "nuclear security regime.</p>"
)

LESSONS = [
    "Agree the scope with every authority involved before the first meeting.",
    "Start with the highest-risk facilities and extend the approach afterwards.",
    "Publish what can be published; a short public summary builds trust.",
    "Give operators the questions in advance: self-assessment is not an exam.",
    "Budget for maintenance and refresher training, not just for the launch.",
    "Record decisions and their reasons, so the next review can build on them.",
    "Involve front-line staff early; they see the weaknesses first.",
    "Exchange with neighbouring States, who face the same threats and borders.",
]

# Generated illustrations: (title, two colours, the States' collections to use them)
IMAGES = [
    ("Exercise control room", ("#0b3d6b", "#1f6fb2"), "DE"),
    ("Radiation portal monitor at a border crossing", ("#0f5323", "#3c8d57"), "SE"),
    ("Training session for security officers", ("#5a2a82", "#8e5bbf"), "GB"),
    ("Secure storage of a disused source", ("#7a3b00", "#c06a12"), "NO"),
]


def load_demo_content(home: HomePage, write: Callable[[str], object]) -> None:
    """Every step says what it did, with counts, so a long load shows progress."""
    structure = ensure_site_structure(home)
    write(
        "States index, good practices, guidance and events indexes ready; "
        f"State pages: {StatePage.objects.count()} "
        f"({structure.state_pages_created} new); moderation workflow assigned"
    )
    profiles = 0
    for state_page in StatePage.objects.select_related("state").filter(profile=""):
        state_page.profile = PROFILE.format(name=state_page.state.name)
        state_page.save_revision().publish()
        profiles += 1
    write(f"State profiles written: {profiles}")
    images = _ensure_images()
    write(f"Illustrations: {len(images)}")
    created = _load_good_practices(images)
    write(
        f"Good practices: {GoodPracticePage.objects.count()} ({created} new), "
        f"commitments covered: {_covered_commitments()}, "
        f"additional actions covered: {_covered_actions()}"
    )
    created = _load_guidance()
    write(
        f"Guidance contributions: {GuidanceContributionPage.objects.count()} "
        f"({created} new)"
    )
    created = _load_events()
    write(f"Events: {EventPage.objects.count()} ({created} new)")
    created = ensure_information_pages(home)
    write(f"Footer pages: {len(data.INFORMATION_PAGES)} ({created} new)")


def ensure_information_pages(home: HomePage) -> int:
    """The footer's notices, once; the secretariat rewrites them in the CMS."""
    created = 0
    for slug, title, lead, body in data.INFORMATION_PAGES:
        if InformationPage.objects.child_of(home).filter(slug=slug).exists():
            continue
        page = home.add_child(
            instance=InformationPage(
                title=title, slug=slug, lead=lead, body=body, show_in_menus=True
            )
        )
        page.save_revision().publish()
        created += 1
    return created


def _state_page(iso_code: str) -> StatePage:
    return StatePage.objects.select_related("state").get(state__iso_code=iso_code)


def _existing(model, state_page, slug):
    return model.objects.child_of(state_page).filter(slug=slug).first()


def _date(year: int, month: int, day: int = 15) -> datetime.date:
    return datetime.date(year, month, day)


def _ensure_images() -> dict[str, object]:
    from PIL import Image as PILImage
    from PIL import ImageDraw, ImageFont

    image_model = get_image_model()
    images = {}
    for title, (top, bottom), iso_code in IMAGES:
        existing = image_model.objects.filter(title=title).first()
        if existing is None:
            state_page = _state_page(iso_code)
            canvas = PILImage.new("RGB", (1200, 560), top)
            draw = ImageDraw.Draw(canvas)
            r1, g1, b1 = (int(top[i : i + 2], 16) for i in (1, 3, 5))
            r2, g2, b2 = (int(bottom[i : i + 2], 16) for i in (1, 3, 5))
            for y in range(560):
                t = y / 559
                colour = (
                    int(r1 + (r2 - r1) * t),
                    int(g1 + (g2 - g1) * t),
                    int(b1 + (b2 - b1) * t),
                )
                draw.line([(0, y), (1200, y)], fill=colour)
            for i in range(6):
                draw.rectangle(
                    [80 + i * 180, 300 - i * 25, 200 + i * 180, 480],
                    outline="#ffffff",
                    width=4,
                )
            font = ImageFont.load_default(size=44)
            draw.text((80, 70), title, fill="#ffffff", font=font)
            draw.text(
                (80, 130),
                "Illustration - demonstration content",
                fill="#dbe6f2",
                font=ImageFont.load_default(size=28),
            )
            buffer = io.BytesIO()
            canvas.save(buffer, format="PNG")
            existing = image_model(
                title=title,
                file=ImageFile(buffer, name=f"{slugify(title)}.png"),
                collection=state_page.collection,
            )
            existing.save()
        images[iso_code] = existing
    return images


def _body(index: int, summary: str, image, state_name: str) -> list[tuple]:
    first, second = LESSONS[index % len(LESSONS)], LESSONS[(index + 3) % len(LESSONS)]
    body = [
        ("heading", {"heading_text": "What was done", "size": "h2"}),
        (
            "paragraph",
            f"<p>{summary}</p><p>The approach was agreed between the competent "
            f"authority of {state_name} and the operators concerned, and is reviewed "
            "as part of the national nuclear security regime.</p>",
        ),
    ]
    if image is not None:
        body.append(
            (
                "image",
                {
                    "image": image,
                    "alt_text": image.title,
                    "caption": image.title,
                    "attribution": "Demonstration illustration",
                },
            )
        )
    if index % 4 == 0:
        body.append(
            (
                "quote",
                {
                    "text": "Sharing what worked, and what did not, is how we "
                    "all improve.",
                    "attribute_name": f"Head of nuclear security, {state_name}",
                },
            )
        )
    if index % 5 == 0:
        body.append(
            (
                "table",
                {
                    "first_row_is_table_header": True,
                    "first_col_is_header": False,
                    "table_caption": "Milestones",
                    "data": [
                        ["Step", "When"],
                        ["Scope agreed", "First quarter"],
                        ["Pilot at one site", "Second and third quarters"],
                        ["Extended nationally", "The following year"],
                    ],
                },
            )
        )
    body.append(
        (
            "results",
            {
                "heading": "Results",
                "figures": [
                    {"value": str(4 + index % 9), "label": "sites covered"},
                    {"value": f"{60 + (index * 7) % 40}%", "label": "of actions done"},
                    {"value": str(20 + (index * 13) % 180), "label": "people trained"},
                ],
                "note": "Figures are illustrative (demonstration content).",
            },
        )
    )
    body.append(
        ("lessons_learned", {"heading": "Lessons learned", "lessons": [first, second]})
    )
    return body


@transaction.atomic
def _load_good_practices(images) -> int:
    commitments = {c.code: c for c in Commitment.objects.all()}
    actions = {a.number: a for a in AdditionalAction.objects.all()}
    documents = {d.slug: d for d in IAEADocument.objects.all()}
    languages = {lang.code: lang for lang in Language.objects.all()}
    created = 0
    for index, row in enumerate(data.GOOD_PRACTICES):
        (iso, title, summary, codes, numbers, slugs, topics, lang, year, month) = row
        state_page = _state_page(iso)
        slug = slugify(title)[:80]
        if _existing(GoodPracticePage, state_page, slug):
            continue
        image = images.get(iso) if index % 3 == 0 or iso in images else None
        page = GoodPracticePage(
            title=title,
            slug=slug,
            summary=summary,
            date=_date(year, month),
            language=languages[lang],
            body=_body(index, summary, image, state_page.state.name),
            is_demonstration=True,
            contact_name="Demonstration contact",
            contact_email=f"contact@{iso.lower()}.example",
        )
        page.commitments.set([commitments[c] for c in codes])
        page.additional_actions.set([actions[n] for n in numbers])
        page.iaea_documents.set([documents[s] for s in slugs])
        page.tags.add(*topics)
        state_page.add_child(instance=page)
        page.save_revision().publish()
        created += 1
    return created


@transaction.atomic
def _load_guidance() -> int:
    documents = {d.slug: d for d in IAEADocument.objects.all()}
    english = Language.objects.get(code="en")
    created = 0
    for index, row in enumerate(data.GUIDANCE_CONTRIBUTIONS):
        iso, title, summary, document, stage, year, month = row
        state_page = _state_page(iso)
        slug = slugify(title)[:80]
        if _existing(GuidanceContributionPage, state_page, slug):
            continue
        page = GuidanceContributionPage(
            title=title,
            slug=slug,
            summary=summary,
            iaea_document=documents[document],
            stage=stage,
            date=_date(year, month),
            language=english,
            is_demonstration=True,
            body=[
                (
                    "paragraph",
                    f"<p>{summary}</p><p>The contribution was prepared by national "
                    "experts and submitted through the IAEA's review process.</p>",
                ),
                (
                    "lessons_learned",
                    {
                        "heading": "What the drafters learned",
                        "lessons": [LESSONS[index % len(LESSONS)]],
                    },
                ),
            ],
        )
        state_page.add_child(instance=page)
        page.save_revision().publish()
        created += 1
    return created


@transaction.atomic
def _load_events() -> int:
    commitments = {c.code: c for c in Commitment.objects.all()}
    actions = {a.number: a for a in AdditionalAction.objects.all()}
    created = 0
    for row in data.EVENTS:
        (iso, title, summary, kind, start, days, location, online, organisers) = row[:9]
        codes, numbers = row[9], row[10]
        state_page = _state_page(iso)
        slug = slugify(title)[:80]
        if _existing(EventPage, state_page, slug):
            continue
        start_date = datetime.date(*start)
        page = EventPage(
            title=title,
            slug=slug,
            summary=summary,
            event_type=kind,
            start_date=start_date,
            end_date=start_date + datetime.timedelta(days=days - 1),
            location=location,
            is_online=online,
            organisers=organisers,
            is_demonstration=True,
            body=[
                (
                    "paragraph",
                    f"<p>{summary}</p><p>Participation is by invitation of the "
                    "organisers; the materials shared respect the confidentiality "
                    "of sensitive information.</p>",
                )
            ],
        )
        page.commitments.set([commitments[c] for c in codes])
        page.additional_actions.set([actions[n] for n in numbers])
        state_page.add_child(instance=page)
        page.save_revision().publish()
        created += 1
    return created


def _covered_commitments() -> int:
    return Commitment.objects.filter(good_practices__isnull=False).distinct().count()


def _covered_actions() -> int:
    return (
        AdditionalAction.objects.filter(good_practices__isnull=False).distinct().count()
    )
