"""The joint statement's taxonomy exists in every database, loaded by migration."""

import pytest

from practices.models import AdditionalAction, Commitment

pytestmark = pytest.mark.django_db


def test_commitments_and_sub_items_are_loaded_with_their_parents():
    codes = list(Commitment.objects.values_list("code", flat=True))
    assert codes == ["1", "2", "2a", "2b", "2c", "3", "3a", "3b", "3c", "4"]
    assert Commitment.objects.get(code="2a").parent.code == "2"
    assert Commitment.objects.get(code="3c").parent.code == "3"
    assert Commitment.objects.filter(parent__isnull=True).count() == 4
    assert "INFCIRC/225/Rev.5" in Commitment.objects.get(code="2a").title


def test_the_fourteen_additional_actions_are_loaded_in_order():
    actions = list(AdditionalAction.objects.all())
    assert [a.number for a in actions] == list(range(1, 15))
    assert actions[6].text.startswith("Develop and enhance cyber security")
