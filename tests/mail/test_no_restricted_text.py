"""No mail, in any header or part, carries a restricted title, file name, room name
or message text: generated documents, sharings, messages and choices, sent through
the real SMTP server and read back.

For each example: a document with a generated title and file name, shared with a
generated mix of a named person, a State and a partner group; a message with
generated text in a room with a generated name, mentioning some of the people; each
person choosing immediately or the digest. Every mail that arrives is searched for
each generated text, raw and HTML-escaped. The people are made once; each example's
rows are rolled back afterwards.
"""

from __future__ import annotations

import html
import itertools

from django.conf import settings
from django.db import transaction

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from exchange.actions import change_partner_group
from exchange.coordination.actions import notify_document_shared, post_message
from exchange.coordination.models import Room
from exchange.coordination.text import sanitise
from exchange.models import Document, DocumentVersion, PartnerGroup
from exchange.policy import viewer_for_user
from portal.mail import actions as mail_actions
from portal.mail.kinds import Delivery, Kind
from portal.mail.models import QueuedMail
from portal.mail.queue import drain, send_digests
from portal.tiers import Tier
from tests.exchange.conftest import make_expert
from tests.smtp import everything_in

pytestmark = pytest.mark.django_db

EXAMPLES = settings.MAIL_LEAKAGE_EXAMPLES
_ids = itertools.count(1)

# Text a person could type: letters of several scripts, digits, punctuation, and
# the characters that HTML and mail headers treat specially.
secret_text = st.text(
    alphabet=st.characters(
        categories=["L", "N", "P", "Zs"], include_characters="<>&\"'=?"
    ),
    min_size=12,
    max_size=60,
).filter(lambda text: len(text.strip()) >= 12)
# A message is what the room keeps of it: text that sanitises to nothing ("<a<b...",
# all tags) is refused as empty before any mail could carry it.
message_text = secret_text.filter(lambda text: bool(sanitise(text)))
file_name = st.tuples(
    st.text(alphabet=st.characters(categories=["L", "N"]), min_size=8, max_size=30),
    st.sampled_from(["pdf", "docx", "xlsx", "txt"]),
).map(lambda parts: f"{parts[0]}.{parts[1]}")


class Rollback(Exception):
    """Undoes one generated example."""


@pytest.fixture
def world(db, smtp_server):
    author = make_expert("NL", clearance="highly_confidential")
    named = make_expert("DE", clearance="highly_confidential")
    colleague = make_expert("BE", clearance="highly_confidential")
    member = make_expert("FR", clearance="highly_confidential")
    group = PartnerGroup.objects.create(name="Group", slug="group")
    change_partner_group(group, add_members=[author, member, named], by=None)
    return {
        "server": smtp_server,
        "author": author,
        "people": [named, colleague, member],
        "group": group,
    }


@hsettings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    title=secret_text,
    name=file_name,
    message=message_text,
    room_name=secret_text,
    tier=st.sampled_from([t for t in Tier.values if t != Tier.PUBLIC]),
    room_tier=st.sampled_from([Tier.RESTRICTED, Tier.CONFIDENTIAL]),
    reach=st.sets(st.sampled_from(["named", "state", "group"]), min_size=1),
    mentioned=st.sets(st.integers(0, 2)),
    digest=st.lists(st.booleans(), min_size=3, max_size=3),
)
def test_no_mail_carries_restricted_text(
    world, title, name, message, room_name, tier, room_tier, reach, mentioned, digest
):
    server = world["server"]
    server.received.clear()
    try:
        with transaction.atomic():
            _example(
                world, title, name, message, room_name, tier, room_tier, reach,
                mentioned, digest,
            )  # fmt: skip
            queued = QueuedMail.objects.filter(sent_at__isnull=True).count()
            assert queued >= 1, "a share always tells someone"
            drain()
            mails = server.messages
            assert len(mails) == queued, "every mail due arrived"
            secrets = [title, name, message, room_name]
            for mail in mails:
                seen = everything_in(mail)
                for text in secrets:
                    for form in {text, html.escape(text), text.strip()}:
                        assert form not in seen, (text, mail["Subject"])
            raise Rollback
    except Rollback:
        pass


def _example(
    world, title, name, message, room_name, tier, room_tier, reach, mentioned, digest
) -> None:
    author, people, group = world["author"], world["people"], world["group"]
    for person, wants_digest in zip(people, digest, strict=True):
        mail_actions.set_preferences(
            person,
            dict.fromkeys(
                [
                    Kind.SHARED_WITH_YOU,
                    Kind.SHARED_WITH_STATE,
                    Kind.SHARED_WITH_GROUP,
                    Kind.MENTION,
                ],
                Delivery.DIGEST if wants_digest else Delivery.IMMEDIATELY,
            ),
        )
    named, colleague, _member = people
    if tier == Tier.HIGHLY_CONFIDENTIAL:
        reach = {"named"}  # named individuals only
    document = Document.objects.create(
        title=title, tier=tier, originating_state=author.state, owner=author
    )
    n = next(_ids)
    DocumentVersion.objects.create(
        document=document,
        number=1,
        file_name=name,
        size=1,
        media_type="application/octet-stream",
        sha256="0" * 64,
        uploaded_by=author,
        storage_name=f"mail-test-{n}",
        file_id=f"mailtest{n}",
        wrapped_key=b"-",
        kek_id="test",
    )
    if "named" in reach:
        document.shared_users.add(named)
    if "state" in reach:
        document.shared_states.add(colleague.state)
    if "group" in reach:
        document.shared_groups.add(group)
    assert notify_document_shared(document) >= 1

    room = Room.objects.create(group=group, name=room_name, tier=room_tier)
    handles = " ".join("@" + people[i].email.split("@")[0] for i in sorted(mentioned))
    post_message(
        viewer_for_user(author, verified=True), room.pk, f"{message} {handles}"
    )
    send_digests()
