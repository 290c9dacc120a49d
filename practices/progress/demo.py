"""Demonstration progress records for the 35 subscribing States (plainly marked).

Deterministic: each State draws from its own seeded generator, so every run and every
machine produce the same figures. Idempotent: a State that already has progress
records is left alone. Records are validated with the models' `clean()` like any
edit; their history names the demonstration loader, and one audit event records
the load.
"""

from __future__ import annotations

import datetime
import random
from typing import TypeVar

from django.db import transaction
from django.utils import timezone

from portal.audit.actions import record as audit
from portal.states.models import State
from portal.tiers import Tier
from practices.progress.actions import snapshot
from practices.progress.commitments import AdditionalAction, Commitment, IaeaDocument
from practices.progress.models import (
    ActionContribution,
    CertificationScheme,
    CommitmentStatus,
    PeerReviewMission,
    ProgressPublication,
    ProgressRecord,
    Recommendation,
    RecordChange,
    SelfAssessment,
    TrainingActivity,
)

DEMO = "Demonstration record"
SEED = 2014

STATUS_WEIGHTS = {
    CommitmentStatus.Status.NOT_STARTED: 1,
    CommitmentStatus.Status.IN_PROGRESS: 4,
    CommitmentStatus.Status.IMPLEMENTED: 6,
    CommitmentStatus.Status.EXCEEDED: 2,
}
STATEMENTS = {
    "1": "The principles of NSS 20 are reflected in the national nuclear security law.",
    "2a": "Physical protection regulations follow INFCIRC/225/Rev.5.",
    "2b": "The radioactive source register and licensing follow NSS 14 and the Code.",
    "2c": "Detection at borders and a national response plan follow NSS 15.",
    "3a": "Self-assessments are run against the IAEA questionnaires.",
    "3b": "Peer reviews are hosted periodically and their reports kept on file.",
    "3c": "An action plan tracks every recommendation until it is closed.",
    "4": "Accountable managers and guards hold recognised qualifications.",
}
SCOPES = {
    PeerReviewMission.Type.IPPAS: [
        "National physical protection regime and two research reactors",
        "Physical protection at the nuclear power plant and transport",
        "Regulatory framework for physical protection and computer security",
    ],
    PeerReviewMission.Type.INSSERV: [
        "Detection architecture at borders and major public events",
        "Nuclear security of material out of regulatory control",
    ],
    PeerReviewMission.Type.OTHER: [
        "Regional peer exchange on radioactive source security",
        "Bilateral review of the transport security plan",
        "WINS-facilitated review of nuclear security culture",
    ],
}
RECOMMENDATIONS = [
    "Formalise the design basis threat review cycle with the intelligence services.",
    "Extend trustworthiness checks to contractors with unescorted access.",
    "Establish performance testing of intrusion detection at the central store.",
    "Clarify the regulator's enforcement powers for security deficiencies.",
    "Integrate computer security into the facility security plan.",
    "Document the response force's timelines against the adversary scenarios.",
    "Secure disused high-activity sources awaiting return to the supplier.",
    "Provide refresher training for front-line officers on radiation alarms.",
    "Review the protection of sensitive information held by operators.",
    "Exercise the joint response plan with law enforcement annually.",
]
COURSES = [
    ("Physical protection of nuclear facilities", "Operators' security managers"),
    ("Radiation detection at borders", "Customs and border guards"),
    ("Computer security for I&C systems", "Engineers and IT staff"),
    ("Nuclear security culture self-assessment", "Senior management"),
    ("Inspection of security arrangements", "Regulatory inspectors"),
    ("Transport security", "Carriers and escorts"),
]
SCHEMES = [
    "National certification of nuclear security managers",
    "WINS Academy certified programme",
    "Qualification scheme for security inspectors",
]
METHODS = [
    "IAEA self-assessment questionnaire",
    "Independent review by the regulator",
    "Table-top evaluation against the guidance",
]


def ensure_demo_progress() -> dict[str, int]:
    """Create the demonstration records where a State has none; the counts made."""
    created: dict[str, int] = {}
    states = list(State.objects.filter(is_subscriber=True).order_by("iso_code"))
    with transaction.atomic():
        for state in states:
            if CommitmentStatus.objects.filter(state=state).exists():
                continue
            rng = random.Random(f"{SEED}:{state.iso_code}")  # noqa: S311 - not security
            for model, count in _state_records(state, rng).items():
                created[model] = created.get(model, 0) + count
        if created:
            audit(
                "progress.demo_loaded",
                target_type="progress.demo",
                details={"created": created},
            )
    return created


R = TypeVar("R", bound=ProgressRecord)


def _save(record: R, changes: list[RecordChange]) -> R:
    # The same rules as an edit (fields and clean()); the foreign keys are known good,
    # and skipping their lookups keeps loading the demo within a second or two.
    record.clean_fields(exclude=["state", "mission"])
    record.clean()
    record.save()
    after = snapshot(record, with_sharing=False)
    changes.append(
        RecordChange(
            record_type=record._meta.label_lower,
            record_id=record.pk,
            state_id=record.state_id,
            kind=RecordChange.Kind.CREATED,
            changed_at=record.updated_at,
            changed_fields=sorted(after),
            after=after,
        )
    )
    return record


def _state_records(state: State, rng: random.Random) -> dict[str, int]:
    today = timezone.localdate()
    this_year = today.year
    changes: list[RecordChange] = []
    counts = dict.fromkeys(
        [
            "statuses",
            "actions",
            "assessments",
            "missions",
            "recommendations",
            "training",
            "certification",
        ],
        0,
    )

    def restricted(share: float) -> str:
        return Tier.CONFIDENTIAL if rng.random() < share else Tier.PUBLIC

    for code in Commitment.values:
        status = rng.choices(
            list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values())
        )[0]
        _save(
            CommitmentStatus(
                is_demonstration=True,
                state=state,
                commitment=code,
                status=status,
                tier=restricted(0.12),
                statement=f"{DEMO}. {STATEMENTS[code]}",
                evidence="https://www.iaea.org/topics/nuclear-security-series",
            ),
            changes,
        )
        counts["statuses"] += 1

    for code in sorted(rng.sample(AdditionalAction.values, rng.randint(3, 9)), key=int):
        _save(
            ActionContribution(
                is_demonstration=True,
                state=state,
                action=code,
                tier=restricted(0.1),
                statement=f"{DEMO}. {state.name} reports activities under this action.",
            ),
            changes,
        )
        counts["actions"] += 1

    for document in rng.sample(IaeaDocument.values[:5], rng.randint(1, 3)):
        _save(
            SelfAssessment(
                is_demonstration=True,
                state=state,
                document=document,
                conducted_on=datetime.date(
                    rng.randint(2015, this_year - 1), rng.randint(1, 12), 1
                ),
                method=rng.choice(METHODS),
                summary=f"{DEMO}.",
                tier=restricted(0.3),
            ),
            changes,
        )
        counts["assessments"] += 1

    mission_years = sorted(rng.sample(range(2015, this_year), rng.randint(2, 3)))
    missions: list[PeerReviewMission] = []
    for i, year in enumerate(mission_years):
        kind = rng.choice(list(PeerReviewMission.Type))
        mission_status = PeerReviewMission.Status.CONDUCTED
        follow_up = None
        if i == 0 and year + 3 < this_year and rng.random() < 0.6:
            mission_status = PeerReviewMission.Status.FOLLOW_UP
            follow_up = rng.randint(year + 2, this_year - 1)
        missions.append(
            _save(
                PeerReviewMission(
                    is_demonstration=True,
                    state=state,
                    mission_type=kind,
                    year=year,
                    scope=rng.choice(SCOPES[kind]),
                    status=mission_status,
                    follow_up_year=follow_up,
                    tier=restricted(0.15),
                ),
                changes,
            )
        )
    # A mission still to come, to show requested and scheduled ones on the timeline.
    if rng.random() < 0.7:
        kind = rng.choice(list(PeerReviewMission.Type))
        missions.append(
            _save(
                PeerReviewMission(
                    is_demonstration=True,
                    state=state,
                    mission_type=kind,
                    year=this_year + rng.randint(0, 2),
                    scope=rng.choice(SCOPES[kind]),
                    status=rng.choice(
                        [
                            PeerReviewMission.Status.REQUESTED,
                            PeerReviewMission.Status.SCHEDULED,
                        ]
                    ),
                    tier=Tier.PUBLIC,
                ),
                changes,
            )
        )
    counts["missions"] = len(missions)

    for mission in missions:
        if mission.status not in (
            PeerReviewMission.Status.CONDUCTED,
            PeerReviewMission.Status.FOLLOW_UP,
        ):
            continue
        for text in rng.sample(RECOMMENDATIONS, rng.randint(2, 5)):
            made_on = datetime.date(
                mission.year, rng.randint(1, 12), rng.randint(1, 28)
            )
            made_on = min(made_on, today)
            age_days = (today - made_on).days
            recommendation_status = rng.choices(
                list(Recommendation.Status),
                weights=[1, 2, 2 + age_days // 400],
            )[0]
            implemented_on = None
            if recommendation_status == Recommendation.Status.IMPLEMENTED:
                implemented_on = min(
                    today,
                    made_on
                    + datetime.timedelta(days=rng.randint(60, max(61, age_days))),
                )
            # Confidential by default; some States make some of them public.
            tier: str = Tier.PUBLIC if rng.random() < 0.25 else Tier.CONFIDENTIAL
            tier = max(tier, mission.tier, key=lambda t: Tier(t).rank)
            _save(
                Recommendation(
                    is_demonstration=True,
                    state=state,
                    mission=mission,
                    kind=rng.choice(list(Recommendation.Kind)),
                    text=f"{DEMO}. {text}",
                    status=recommendation_status,
                    made_on=made_on,
                    implemented_on=implemented_on,
                    tier=tier,
                ),
                changes,
            )
            counts["recommendations"] += 1

    for course, audience in rng.sample(COURSES, rng.randint(2, 4)):
        _save(
            TrainingActivity(
                is_demonstration=True,
                state=state,
                course=course,
                audience=audience,
                participants=rng.randint(8, 120),
                year=rng.randint(2016, this_year - 1),
                tier=restricted(0.1),
            ),
            changes,
        )
        counts["training"] += 1

    for name in rng.sample(SCHEMES, rng.randint(0, 2)):
        _save(
            CertificationScheme(
                is_demonstration=True,
                state=state,
                name=name,
                description=f"{DEMO}.",
                established_year=rng.randint(2012, this_year - 1),
            ),
            changes,
        )
        counts["certification"] += 1

    ProgressPublication.objects.update_or_create(
        state=state, defaults={"publish_aggregates": rng.random() < 0.45}
    )
    RecordChange.objects.bulk_create(changes)
    return counts
