"""The fixed taxonomy of the joint statement: commitments, sub-items and actions.

Kept as plain data so that the data migration (with historical models) and the demo
loader (with the current ones) load exactly the same terms.
"""

from __future__ import annotations

from typing import Any

# (code, parent code or None, short title, the joint statement's words)
COMMITMENTS: list[tuple[str, str | None, str, str]] = [
    (
        "1",
        None,
        "Subscribe to the fundamental principles",
        'Subscribe to the fundamental principles ("Nuclear Security Fundamentals") '
        "set forth in the Nuclear Security Series NSS 20, on the Objective and "
        "Essential Elements of a State's Nuclear Security Regime.",
    ),
    (
        "2",
        None,
        "Meet the intent of the recommendations",
        "Meet the intent of the recommendations contained in the following documents "
        "and realize or exceed these objectives including through the implementation "
        "and enhancement of national regulations and other government measures.",
    ),
    (
        "2a",
        "2",
        "NSS 13 (INFCIRC/225/Rev.5): physical protection",
        "NSS 13 (INFCIRC/225/Rev.5): Nuclear Security Recommendations on Physical "
        "Protection of Nuclear Material and Nuclear Facilities.",
    ),
    (
        "2b",
        "2",
        "NSS 14 and the Code of Conduct: radioactive material",
        "NSS 14: Nuclear Security Recommendations on Radioactive Material and "
        "Associated Facilities, and the Code of Conduct on the Safety and Security "
        "of Radioactive Sources.",
    ),
    (
        "2c",
        "2",
        "NSS 15: material out of regulatory control",
        "NSS 15: Nuclear Security Recommendations on Nuclear and Other Radioactive "
        "Material out of Regulatory Control.",
    ),
    (
        "3",
        None,
        "Continue to improve effectiveness",
        "Continue to improve the effectiveness of their nuclear security regimes and "
        "operators' systems.",
    ),
    ("3a", "3", "Conducting self-assessments", "Conducting self-assessments."),
    (
        "3b",
        "3",
        "Hosting peer reviews periodically",
        "Hosting peer reviews (e.g., IPPAS) periodically.",
    ),
    (
        "3c",
        "3",
        "Acting upon review recommendations",
        "Acting upon the recommendations identified during these reviews.",
    ),
    (
        "4",
        None,
        "Ensure demonstrable competence",
        "Ensure that management and personnel with accountability for nuclear "
        "security are demonstrably competent.",
    ),
]

# (number, short title, the joint statement's words)
ADDITIONAL_ACTIONS: list[tuple[int, str, str]] = [
    (
        1,
        "Contribute to IAEA guidance",
        "Contribute to the development of IAEA nuclear security guidance documents.",
    ),
    (
        2,
        "Technical support to other States",
        "Provide technical support and assistance to other States through bilateral "
        "and multilateral cooperation.",
    ),
    (
        3,
        "Training, education and qualification",
        "Maintain and continuously improve domestic or regional training activities, "
        "for instance through education, certification or qualification activities.",
    ),
    (
        4,
        "Share good practices",
        "Share good practices with other States through, for example, seminars, "
        "workshops, and table top / field exercises while respecting "
        "confidentiality.",
    ),
    (
        5,
        "Information exchange",
        "Promote information exchange while respecting confidentiality.",
    ),
    (
        6,
        "Experts for INSServ and IPPAS missions",
        "Provide nuclear security experts for the conduct of IAEA International "
        "Nuclear Security Advisory Service (INSServ), and International Physical "
        "Protection Advisory Service (IPPAS) missions.",
    ),
    (
        7,
        "Cyber security of nuclear facilities",
        "Develop and enhance cyber security measures concerning nuclear facilities.",
    ),
    (
        8,
        "Security across the facility life cycle",
        "Continue to take into account nuclear security at all stages in the life "
        "cycle of nuclear facilities.",
    ),
    (
        9,
        "Emergency preparedness and response",
        "Maintain effective emergency and contingency preparedness, response and "
        "mitigation capabilities; in a manner that addresses both nuclear security "
        "and safety.",
    ),
    (
        10,
        "Contributions to the Nuclear Security Fund",
        "Make financial or in-kind contributions to the IAEA Nuclear Security Fund.",
    ),
    (
        11,
        "Research and development",
        "Promote research and development on nuclear security technologies and "
        "disseminating results consistent with their non-proliferation commitments "
        "and intellectual property rules.",
    ),
    (
        12,
        "Nuclear security culture",
        "Promote nuclear security culture for management and personnel involved "
        "with nuclear security.",
    ),
    (
        13,
        "WINS best practice guides",
        "Support or participate in the development of World Institute for Nuclear "
        "Security best practice guides and training activities.",
    ),
    (
        14,
        "Regional cooperation",
        "Improve cooperation with nearby States to improve international and "
        "regional nuclear security.",
    ),
]


# (slug, short name, title, sort order)
IAEA_DOCUMENTS: list[tuple[str, str, str, int]] = [
    (
        "nss-20",
        "NSS 20",
        "Objective and Essential Elements of a State's Nuclear Security Regime",
        10,
    ),
    (
        "nss-13",
        "NSS 13 (INFCIRC/225/Rev.5)",
        "Nuclear Security Recommendations on Physical Protection of Nuclear "
        "Material and Nuclear Facilities",
        20,
    ),
    (
        "nss-14",
        "NSS 14",
        "Nuclear Security Recommendations on Radioactive Material and Associated "
        "Facilities",
        30,
    ),
    (
        "code-of-conduct",
        "Code of Conduct",
        "Code of Conduct on the Safety and Security of Radioactive Sources",
        40,
    ),
    (
        "nss-15",
        "NSS 15",
        "Nuclear Security Recommendations on Nuclear and Other Radioactive Material "
        "out of Regulatory Control",
        50,
    ),
]

# The IAEA's six official languages first, then those the States publish in.
LANGUAGES: list[tuple[str, str]] = [
    ("en", "English"),
    ("fr", "French"),
    ("es", "Spanish"),
    ("ru", "Russian"),
    ("ar", "Arabic"),
    ("zh", "Chinese"),
    ("de", "German"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
]


def ensure_commitments(commitment_model) -> int:
    """Create or correct the commitments; returns how many were created."""
    created = 0
    by_code: dict[str, Any] = {}
    for order, (code, parent_code, title, description) in enumerate(COMMITMENTS):
        obj, was_created = commitment_model.objects.update_or_create(
            code=code,
            defaults={
                "title": title,
                "description": description,
                "parent": by_code.get(parent_code) if parent_code else None,
                "sort_order": order,
            },
        )
        by_code[code] = obj
        created += was_created
    return created


def ensure_additional_actions(action_model) -> int:
    """Create or correct the 14 additional actions; returns how many were created."""
    created = 0
    for number, title, text in ADDITIONAL_ACTIONS:
        _, was_created = action_model.objects.update_or_create(
            number=number, defaults={"title": title, "text": text}
        )
        created += was_created
    return created


def ensure_iaea_documents(document_model) -> int:
    created = 0
    for slug, short_name, title, order in IAEA_DOCUMENTS:
        _, was_created = document_model.objects.update_or_create(
            slug=slug,
            defaults={"short_name": short_name, "title": title, "sort_order": order},
        )
        created += was_created
    return created


def ensure_languages(language_model) -> int:
    created = 0
    for code, name in LANGUAGES:
        _, was_created = language_model.objects.get_or_create(
            code=code, defaults={"name": name}
        )
        created += was_created
    return created
