"""The commitments and additional actions of the joint statement, by code.

Codes are stored as plain strings ("2a", "7") so that records can later point at the
CMS taxonomy (`practices.Commitment`, `practices.AdditionalAction`) by code, without
a data migration of the progress records.
"""

from django.db import models
from django.utils.translation import gettext_lazy


class Commitment(models.TextChoices):
    FUNDAMENTALS = (
        "1",
        gettext_lazy("1. Subscribe to the fundamental principles (NSS 20)"),
    )
    NSS13 = "2a", gettext_lazy("2a. NSS 13 (INFCIRC/225/Rev.5): physical protection")
    NSS14 = (
        "2b",
        gettext_lazy("2b. NSS 14 and the Code of Conduct: radioactive material"),
    )
    NSS15 = "2c", gettext_lazy("2c. NSS 15: material out of regulatory control")
    SELF_ASSESSMENTS = "3a", gettext_lazy("3a. Conducting self-assessments")
    PEER_REVIEWS = (
        "3b",
        gettext_lazy("3b. Hosting peer reviews (e.g. IPPAS) periodically"),
    )
    ACTING_ON_REVIEWS = (
        "3c",
        gettext_lazy("3c. Acting upon the recommendations of reviews"),
    )
    COMPETENCE = "4", gettext_lazy("4. Demonstrably competent management and personnel")


# Short labels for chart axes and narrow tables.
COMMITMENT_SHORT = {
    "1": "1 · NSS 20",
    "2a": "2a · NSS 13",
    "2b": "2b · NSS 14",
    "2c": "2c · NSS 15",
    "3a": "3a · Self-assessments",
    "3b": "3b · Peer reviews",
    "3c": "3c · Acting on reviews",
    "4": "4 · Competence",
}


class AdditionalAction(models.TextChoices):
    GUIDANCE = (
        "1",
        gettext_lazy("1. Contribute to IAEA nuclear security guidance documents"),
    )
    ASSISTANCE = (
        "2",
        gettext_lazy("2. Technical support and assistance to other States"),
    )
    TRAINING = (
        "3",
        gettext_lazy("3. Domestic or regional training, certification, qualification"),
    )
    GOOD_PRACTICES = (
        "4",
        gettext_lazy("4. Share good practices (seminars, workshops, exercises)"),
    )
    INFORMATION = "5", gettext_lazy("5. Promote information exchange")
    EXPERTS = "6", gettext_lazy("6. Provide experts for INSServ and IPPAS missions")
    CYBER = (
        "7",
        gettext_lazy("7. Cyber security measures concerning nuclear facilities"),
    )
    LIFE_CYCLE = (
        "8",
        gettext_lazy("8. Nuclear security at all stages of the life cycle"),
    )
    EMERGENCY = "9", gettext_lazy("9. Emergency and contingency preparedness")
    FUND = "10", gettext_lazy("10. Contributions to the IAEA Nuclear Security Fund")
    RESEARCH = (
        "11",
        gettext_lazy("11. Research and development on security technologies"),
    )
    CULTURE = "12", gettext_lazy("12. Promote nuclear security culture")
    WINS = "13", gettext_lazy("13. Support WINS best practice guides and training")
    REGIONAL = "14", gettext_lazy("14. Cooperation with nearby States")


class IaeaDocument(models.TextChoices):
    NSS20 = "NSS 20", gettext_lazy("NSS 20 Nuclear Security Fundamentals")
    NSS13 = "NSS 13", gettext_lazy("NSS 13 (INFCIRC/225/Rev.5)")
    NSS14 = "NSS 14", gettext_lazy("NSS 14")
    CODE_OF_CONDUCT = (
        "Code of Conduct",
        gettext_lazy("Code of Conduct on radioactive sources"),
    )
    NSS15 = "NSS 15", gettext_lazy("NSS 15")
    OTHER = "other", gettext_lazy("Other")


# Short labels for chart axes.
ACTION_SHORT = {
    "1": "1 · IAEA guidance",
    "2": "2 · Assistance to States",
    "3": "3 · Training and certification",
    "4": "4 · Sharing good practices",
    "5": "5 · Information exchange",
    "6": "6 · Experts for missions",
    "7": "7 · Cyber security",
    "8": "8 · Life cycle of facilities",
    "9": "9 · Emergency preparedness",
    "10": "10 · Nuclear Security Fund",
    "11": "11 · Research and development",
    "12": "12 · Security culture",
    "13": "13 · WINS guides and training",
    "14": "14 · Regional cooperation",
}
