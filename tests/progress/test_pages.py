"""The progress pages: addresses, 404s, navigation, and the demonstration content."""

from __future__ import annotations

from django.apps import apps
from django.core.management import call_command

import pytest

from practices.progress.demo import ensure_demo_progress
from practices.progress.models import (
    CommitmentStatus,
    PeerReviewMission,
    ProgressPublication,
    Recommendation,
)
from tests.support import assert_not_found

pytestmark = pytest.mark.django_db


def test_the_dashboard_is_public_and_in_the_navigation(client):
    response = client.get("/progress/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<a href="/progress/" aria-current="page">Progress</a>' in page
    assert "progress/vendor/chart.umd.min.js" in page
    assert page.count("<caption>") == 4


def test_unknown_states_and_charts_are_not_found(client):
    assert_not_found(client.get("/progress/XX/"))
    assert_not_found(client.get("/progress/data/secret-figures.csv"))
    assert client.get("/progress/nl/").status_code == 200


def test_demo_progress_covers_every_state_and_loads_once():
    first = ensure_demo_progress()
    assert first["statuses"] == 35 * 8
    assert ensure_demo_progress() == {}
    assert CommitmentStatus.objects.values("state").distinct().count() == 35
    for iso_state in CommitmentStatus.objects.values_list(
        "state", flat=True
    ).distinct():
        assert PeerReviewMission.objects.filter(state=iso_state).count() >= 2
        assert Recommendation.objects.filter(state=iso_state).count() >= 2
    tiers = set(Recommendation.objects.values_list("tier", flat=True))
    assert {"public", "confidential"} <= tiers
    assert ProgressPublication.objects.filter(publish_aggregates=True).exists()
    assert not Recommendation.objects.filter(is_demonstration=False).exists()
    assert all(
        text.startswith("Demonstration record")
        for text in Recommendation.objects.values_list("text", flat=True)
    )


def test_demo_progress_is_the_same_on_every_run():
    ensure_demo_progress()
    figures = sorted(
        Recommendation.objects.values_list(
            "state__iso_code", "made_on", "status", "tier"
        )
    )
    for model in apps.get_app_config("progress").get_models():
        if model is not PeerReviewMission:
            model.objects.all().delete()
    PeerReviewMission.objects.all().delete()
    ensure_demo_progress()
    assert (
        sorted(
            Recommendation.objects.values_list(
                "state__iso_code", "made_on", "status", "tier"
            )
        )
        == figures
    )


def test_load_demo_prints_the_progress_counts(client, capsys):
    call_command("load_demo")
    assert "Progress records created: {'statuses': 280" in capsys.readouterr().out
    assert "running with <strong>demonstration content</strong>" in (
        client.get("/progress/").content.decode()
    )
    assert '<span class="demo-badge">Demonstration</span>' in (
        client.get("/progress/NL/").content.decode()
    )


def test_the_admin_menu_leads_state_editors_to_their_records(client):
    from django.contrib.auth.models import Permission

    from tests.progress.conftest import make_person
    from tests.support import login_verified

    access = Permission.objects.get(codename="access_admin")
    editor = make_person("NL", roles=("State editor",))
    secretariat = make_person(None, roles=("Secretariat",))
    for user in (editor, secretariat):
        user.user_permissions.add(access)
    login_verified(client, editor)
    assert "Progress records" in client.get("/admin/").content.decode()
    assert client.get("/progress/manage/").status_code == 200
    login_verified(client, secretariat)
    assert "Progress records" not in client.get("/admin/").content.decode()
    assert_not_found(client.get("/progress/manage/"))


def test_state_page_lists_its_published_good_practices_per_commitment(client):
    from practices.actions import ensure_site_structure
    from practices.management.commands.load_demo import Command
    from tests.practices.factories import good_practice

    ensure_site_structure(Command().ensure_home_page(), iso_codes=["NL", "BE"])
    good_practice("NL", title="Insider threat programme", commitments=["2a"])
    good_practice(
        "NL", title="Unpublished draft practice", commitments=["2a"], publish=False
    )
    good_practice(
        "BE", title="Joint source search", commitments=["2b"], other_states=["NL"]
    )
    good_practice("BE", title="Belgian practice only", commitments=["2a"])
    body = client.get("/progress/NL/").content.decode()
    assert "Insider threat programme" in body
    assert "Joint source search" in body
    assert "Unpublished draft practice" not in body
    assert "Belgian practice only" not in body
    row_2a = body.split("Insider threat programme")[0].rsplit("<tr>", 1)[1]
    assert "2a" in row_2a
