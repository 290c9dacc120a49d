"""Writing progress records: who may, what is refused, the history and audit kept."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.http import Http404
from django.utils import timezone

import pytest

from portal.audit.models import AuditEvent
from practices.progress import actions
from practices.progress.models import (
    CommitmentStatus,
    PeerReviewMission,
    Recommendation,
    RecordChange,
)
from tests.progress.conftest import make_person, verified_viewer
from tests.support import assert_not_found, login_verified

pytestmark = pytest.mark.django_db
THIS_YEAR = timezone.localdate().year


def create(model, user, **values):
    sharing = values.pop("sharing", None)
    return actions.create_record(
        model, by=user, viewer=verified_viewer(user), values=values, sharing=sharing
    )


def update(record, user, **values):
    return actions.update_record(
        record, by=user, viewer=verified_viewer(user), values=values
    )


def conducted_mission(user, year=2019, **extra):
    values = {
        "mission_type": "ippas",
        "year": year,
        "scope": "Physical protection regime",
        "status": "conducted",
        "follow_up_year": None,
        "tier": "public",
        **extra,
    }
    return create(PeerReviewMission, user, **values)


def stored(record) -> dict:
    return model_to_dict(type(record).objects.get(pk=record.pk))


def test_a_change_keeps_its_history_and_is_audited(editor_nl):
    status = create(
        CommitmentStatus,
        editor_nl,
        commitment="2a",
        status="in_progress",
        statement="Drafting the regulation.",
        evidence="",
        tier="public",
    )
    update(status, editor_nl, status="implemented", statement="In force since May.")

    created, updated = RecordChange.objects.filter(record_id=status.pk).order_by("pk")
    assert created.kind == "created" and created.changed_by == editor_nl
    assert updated.kind == "updated"
    assert updated.changed_fields == ["statement", "status"]
    assert updated.before["status"] == "in_progress"
    assert updated.after["status"] == "implemented"
    events = AuditEvent.objects.filter(target_id=str(status.pk)).order_by("sequence")
    assert [e.action for e in events] == [
        "progress.record_created",
        "progress.record_updated",
    ]
    assert events[1].actor == editor_nl
    assert events[1].details["fields"] == ["statement", "status"]
    # The trail names fields, never the (possibly restricted) values.
    assert "In force since May." not in str(events[1].details)


def test_last_update_is_shown_with_the_editors_name(client, editor_nl):
    create(
        CommitmentStatus,
        editor_nl,
        commitment="1",
        status="implemented",
        statement="Law adopted.",
        evidence="",
        tier="public",
    )
    page = client.get("/progress/NL/").content.decode()
    today = timezone.localdate()
    assert f"Last updated {today.day} {today:%B %Y} by Anna Visser" in page
    assert editor_nl.email not in page


def test_an_editor_of_one_state_cannot_edit_another_states_record(
    client, editor_nl, editor_be
):
    status = create(
        CommitmentStatus,
        editor_nl,
        commitment="1",
        status="in_progress",
        statement="NL statement",
        evidence="",
        tier="public",
    )
    before = stored(status)
    with pytest.raises(Http404):
        update(status, editor_be, statement="Overwritten by BE")
    assert stored(status) == before
    assert AuditEvent.objects.filter(
        action="progress.record_write_denied", actor=editor_be
    ).exists()

    login_verified(client, editor_be)
    url = f"/progress/manage/commitments/{status.pk}/"
    assert_not_found(client.get(url))
    assert_not_found(client.post(url, {"commitment": "1", "status": "exceeded"}))
    assert stored(status) == before


def test_people_without_an_editor_role_have_no_manage_pages(client):
    visitor = make_person("NL", clearance="confidential")
    login_verified(client, visitor)
    assert_not_found(client.get("/progress/manage/"))
    with pytest.raises(Http404):
        create(
            CommitmentStatus,
            visitor,
            commitment="1",
            status="implemented",
            statement="",
            evidence="",
            tier="public",
        )


def test_an_editor_cannot_see_or_edit_own_state_records_above_their_clearance(
    client, editor_nl
):
    cleared = make_person("NL", roles=("State editor",), clearance="confidential")
    uncleared = make_person("NL", roles=("State editor",), clearance="public")
    mission = conducted_mission(cleared, tier="confidential")
    with pytest.raises(Http404):
        update(mission, uncleared, scope="changed")
    with pytest.raises(ValidationError, match="above your own clearance"):
        conducted_mission(uncleared, tier="confidential")
    login_verified(client, uncleared)
    assert_not_found(client.get(f"/progress/manage/missions/{mission.pk}/"))
    assert (
        "Physical protection regime"
        not in client.get("/progress/manage/").content.decode()
    )


def test_a_follow_up_before_its_mission_is_refused_and_nothing_is_lost(editor_nl):
    mission = conducted_mission(editor_nl, year=2019)
    before = stored(mission)
    with pytest.raises(ValidationError) as refused:
        update(mission, editor_nl, status="follow_up", follow_up_year=2017)
    assert refused.value.message_dict["follow_up_year"] == [
        "A follow-up mission (2017) cannot come before its mission (2019)."
    ]
    assert stored(mission) == before
    assert RecordChange.objects.filter(record_id=mission.pk).count() == 1
    assert AuditEvent.objects.filter(
        action="progress.record_write_refused", outcome="failure"
    ).exists()


def test_statuses_out_of_order_are_refused(editor_nl):
    with pytest.raises(ValidationError, match="cannot be marked"):
        conducted_mission(editor_nl, year=THIS_YEAR + 1)
    mission = conducted_mission(editor_nl)
    with pytest.raises(ValidationError, match="cannot go back from “Conducted”"):
        update(mission, editor_nl, status="requested")
    assert PeerReviewMission.objects.get(pk=mission.pk).status == "conducted"
    planned = create(
        PeerReviewMission,
        editor_nl,
        mission_type="insserv",
        year=THIS_YEAR + 1,
        scope="Borders",
        status="scheduled",
        follow_up_year=None,
        tier="public",
    )
    with pytest.raises(ValidationError, match="has not been conducted"):
        create(
            Recommendation,
            editor_nl,
            mission=planned,
            kind="recommendation",
            text="Too early",
            status="open",
            made_on=timezone.localdate(),
            implemented_on=None,
            tier="confidential",
        )


def recommendation_values(mission, **extra):
    return {
        "mission": mission,
        "kind": "recommendation",
        "text": "Extend trustworthiness checks to contractors.",
        "status": "open",
        "made_on": datetime.date(2019, 6, 1),
        "implemented_on": None,
        "tier": "confidential",
        **extra,
    }


def test_impossible_recommendation_dates_are_refused(editor_nl):
    mission = conducted_mission(editor_nl, year=2019)
    cases = {
        "before it was made": {
            "status": "implemented",
            "implemented_on": datetime.date(2019, 1, 1),
        },
        "needs its implementation date": {"status": "implemented"},
        "before its mission": {"made_on": datetime.date(2018, 12, 31)},
        "needs the status": {"implemented_on": datetime.date(2020, 1, 1)},
    }
    for message, extra in cases.items():
        with pytest.raises(ValidationError, match=message):
            create(Recommendation, editor_nl, **recommendation_values(mission, **extra))
    assert not Recommendation.objects.exists()

    recommendation = create(Recommendation, editor_nl, **recommendation_values(mission))
    before = stored(recommendation)
    with pytest.raises(ValidationError, match="implementation date"):
        update(recommendation, editor_nl, status="implemented")
    assert stored(recommendation) == before
    actions.close_recommendation(
        recommendation,
        implemented_on=datetime.date(2020, 3, 1),
        by=editor_nl,
        viewer=verified_viewer(editor_nl),
    )
    assert Recommendation.objects.get(pk=recommendation.pk).status == "implemented"


def test_recommendations_are_confidential_and_for_their_own_state_by_default(
    editor_nl,
):
    mission = conducted_mission(editor_nl)
    values = recommendation_values(mission)
    del values["tier"]
    recommendation = create(Recommendation, editor_nl, **values)
    assert recommendation.tier == "confidential"
    assert list(recommendation.shared_with_states.all()) == []
    assert list(recommendation.shared_with_groups.all()) == []


def test_highly_confidential_goes_to_named_individuals_only(editor_nl):
    boss = make_person("NL", roles=("State editor",), clearance="highly_confidential")
    mission = conducted_mission(editor_nl)
    be = editor_nl.state.__class__.objects.get(iso_code="BE")
    with pytest.raises(ValidationError, match="named individuals only"):
        create(
            Recommendation,
            boss,
            **recommendation_values(mission, tier="highly_confidential"),
            sharing={"shared_with_states": [be.pk]},
        )
    kept = create(
        Recommendation,
        boss,
        **recommendation_values(mission, tier="highly_confidential"),
    )
    # The author is named, or would lose sight of their own record.
    assert list(kept.shared_with_users.all()) == [boss]


def test_only_a_focal_point_publishes_the_states_aggregates(editor_nl, focal_point_nl):
    with pytest.raises(Http404):
        actions.set_aggregate_publication(editor_nl.state, publish=True, by=editor_nl)
    publication = actions.set_aggregate_publication(
        focal_point_nl.state, publish=True, by=focal_point_nl
    )
    assert publication.publish_aggregates
    assert AuditEvent.objects.filter(
        action="progress.aggregates_published", actor=focal_point_nl
    ).exists()


def test_the_edit_form_refuses_bad_input_with_a_clear_message(client, editor_nl):
    mission = conducted_mission(editor_nl, year=2019)
    before = stored(mission)
    login_verified(client, editor_nl)
    url = f"/progress/manage/missions/{mission.pk}/"
    response = client.post(
        url,
        {
            "mission_type": "ippas",
            "year": "2019",
            "scope": "Physical protection regime",
            "status": "follow_up",
            "follow_up_year": "2016",
            "tier": "public",
        },
    )
    assert response.status_code == 400
    assert "cannot come before its mission (2019)" in response.content.decode()
    assert stored(mission) == before

    response = client.post(
        url,
        {
            "mission_type": "ippas",
            "year": "2019",
            "scope": "Physical protection regime",
            "status": "follow_up",
            "follow_up_year": "2022",
            "tier": "public",
        },
    )
    assert response.status_code == 302
    assert PeerReviewMission.objects.get(pk=mission.pk).follow_up_year == 2022
    history = client.get(url).content.decode()
    assert "follow_up_year, status" in history


def test_an_editor_adds_a_record_through_the_form(client, editor_nl):
    login_verified(client, editor_nl)
    response = client.post(
        "/progress/manage/commitments/add/",
        {
            "commitment": "3a",
            "status": "implemented",
            "statement": "Self-assessment done.",
            "evidence": "",
            "tier": "public",
        },
    )
    assert response.status_code == 302
    record = CommitmentStatus.objects.get(state=editor_nl.state, commitment="3a")
    assert record.updated_by == editor_nl
    # A second status for the same commitment is refused, and the first one kept.
    response = client.post(
        "/progress/manage/commitments/add/",
        {"commitment": "3a", "status": "not_started", "tier": "public"},
    )
    assert response.status_code == 400
    assert CommitmentStatus.objects.get(pk=record.pk).status == "implemented"


def test_a_focal_point_publishes_aggregates_from_the_manage_page(
    client, editor_nl, focal_point_nl
):
    from practices.progress.models import ProgressPublication

    login_verified(client, editor_nl)
    assert "focal point decides" in client.get("/progress/manage/").content.decode()
    assert_not_found(
        client.post("/progress/manage/publication/", {"publish_aggregates": "on"})
    )
    assert not ProgressPublication.objects.filter(publish_aggregates=True).exists()
    login_verified(client, focal_point_nl)
    response = client.post(
        "/progress/manage/publication/", {"publish_aggregates": "on"}
    )
    assert response.status_code == 302
    assert ProgressPublication.objects.get(
        state=focal_point_nl.state
    ).publish_aggregates
    client.post("/progress/manage/publication/", {})
    assert not ProgressPublication.objects.get(
        state=focal_point_nl.state
    ).publish_aggregates
