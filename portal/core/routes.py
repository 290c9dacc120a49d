"""Who may reach each URL and WebSocket route: one table, which a test holds to.

Every route is one of four kinds:

- public: anyone, signed in or not (what a page shows may still depend on who asks:
  the policy trims search, progress and Wagtail's own page privacy);
- signed in: a session with the password; the second factor is not asked here (the
  second-factor pages themselves, and pages that show nothing restricted without it);
- verified: signed in and verified with a second factor;
- verified + role: verified, and holding one of the route's roles
  (`portal.accounts.decorators.role_required` is the gate of every such page).

Each rule also says what three kinds of person get who may not use the route: no
session, a password-only session (signed in, no second factor), and a verified
session of an unrelated role that no object's sharing reaches. `tests/portal/
test_route_gate.py` walks Django's resolver and the Channels routing, fails on any
route this table does not classify, and asks every route as those three people.

Routes are found by name (``namespace:name``); unnamed routes and whole blocks that
another application owns (the Wagtail admin) by the prefix of their pattern.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from portal.accounts.roles import Role


class Access(StrEnum):
    PUBLIC = "public"
    SIGNED_IN = "signed in"
    VERIFIED = "verified"
    ROLE = "verified + role"


class Refusal(StrEnum):
    """What a person who may not use a route gets."""

    NONE = "served"  # not refused: the page answers (trimmed by the policy)
    SIGN_IN = "redirect to sign-in"
    SECOND_FACTOR = "redirect to the second factor"
    NOT_FOUND = "404"
    FORBIDDEN = "403"
    # WebSocket close codes (exchange/coordination/consumers.py).
    SOCKET_UNVERIFIED = "socket closed 4403"
    SOCKET_NOT_FOUND = "socket closed 4404"


@dataclass(frozen=True)
class Rule:
    access: Access
    anonymous: Refusal
    password_only: Refusal
    # A verified session of an unrelated role, reached by no object's sharing.
    unrelated: Refusal
    roles: tuple[str, ...] = ()
    method: str = "GET"
    note: str = ""


def public(**options) -> Rule:
    """Anyone: nobody is refused. `options`: `method`, `note`."""
    return Rule(Access.PUBLIC, Refusal.NONE, Refusal.NONE, Refusal.NONE, **options)


def signed_in(
    *,
    anonymous: Refusal = Refusal.SIGN_IN,
    password_only: Refusal = Refusal.NONE,
    unrelated: Refusal = Refusal.NONE,
    **options,
) -> Rule:
    return Rule(Access.SIGNED_IN, anonymous, password_only, unrelated, **options)


def verified(
    *,
    anonymous: Refusal = Refusal.SIGN_IN,
    password_only: Refusal = Refusal.SECOND_FACTOR,
    unrelated: Refusal = Refusal.NONE,
    **options,
) -> Rule:
    return Rule(Access.VERIFIED, anonymous, password_only, unrelated, **options)


def role(*roles: Role | str, unrelated: Refusal = Refusal.NOT_FOUND, **options) -> Rule:
    """Verified and holding one of `roles`; the unrelated get a 404 by default."""
    return Rule(
        Access.ROLE,
        Refusal.SIGN_IN,
        Refusal.SECOND_FACTOR,
        unrelated,
        roles=tuple(str(r) for r in roles),
        **options,
    )


POLICY_404 = "the exchange policy: hidden and missing answer the same 404"
EDITORS = (Role.STATE_EDITOR, Role.FOCAL_POINT)

# Named HTTP routes.
ROUTES: dict[str, Rule] = {
    # Probes.
    "healthz": public(),
    # Languages: the switcher (remembered in the account) and the scripts' catalogue.
    "set_language": public(method="POST"),
    "javascript_catalog": public(),
    "readyz": public(),
    # Sign-in, the account and the second factor.
    "accounts:login": public(),
    "accounts:logout": public(method="POST"),
    "accounts:accept_invitation": public(note="an unknown token answers 410"),
    "accounts:password_reset": public(note="one answer whatever the address"),
    "accounts:password_reset_confirm": public(
        note="a used, expired or forged link says so"
    ),
    "accounts:password_change": verified(note="and a recent code"),
    "accounts:verify": signed_in(),
    "accounts:step_up": signed_in(),
    "accounts:enrol": signed_in(
        password_only=Refusal.SECOND_FACTOR,
        note="with a device already, adding one needs the existing one first",
    ),
    "accounts:home": signed_in(note="asks for the second factor before any work"),
    "accounts:profile": verified(),
    "accounts:sign_out_everywhere": verified(method="POST"),
    "accounts:time_zone": verified(method="POST"),
    "accounts:backup_codes": verified(),
    "accounts:regenerate_backup_codes": verified(method="POST"),
    "accounts:remove_device": verified(method="POST", note="and a recent code"),
    "accounts:invite": role(Role.FOCAL_POINT, note="of a State"),
    "accounts:vetting_list": role(Role.SECRETARIAT),
    "accounts:vetting_edit": role(Role.SECRETARIAT),
    "accounts:vetting_approvals": role(Role.FOCAL_POINT, Role.SECRETARIAT),
    "accounts:factor_resets": role(
        Role.FOCAL_POINT, Role.SECRETARIAT, note="and a recent code"
    ),
    # Mail choices, and the signed one-click link of each mail (RFC 8058).
    "mail:preferences": verified(method="POST"),
    "mail:unsubscribe": public(note="a signed link; a bad one answers 410"),
    # The people directory: vetted experts only; a person's own entry.
    "people:directory": role(
        Role.VETTED_EXPERT, note="and a current vetting (the policy); 404 to others"
    ),
    "people:search": verified(
        anonymous=Refusal.NOT_FOUND,
        password_only=Refusal.NOT_FOUND,
        unrelated=Refusal.NOT_FOUND,
        note="JSON: 404 to anyone who is not a verified, vetted expert",
    ),
    "people:entry": verified(note="the person's own entry only"),
    # Passkeys (django-otp-webauthn's JSON views answer 403 themselves).
    "otp_webauthn:credential-registration-begin": verified(
        anonymous=Refusal.FORBIDDEN, password_only=Refusal.FORBIDDEN, method="POST"
    ),
    "otp_webauthn:credential-registration-complete": verified(
        anonymous=Refusal.FORBIDDEN, password_only=Refusal.FORBIDDEN, method="POST"
    ),
    "otp_webauthn:credential-authentication-begin": signed_in(
        anonymous=Refusal.FORBIDDEN, method="POST", note="a second factor only"
    ),
    "otp_webauthn:credential-authentication-complete": signed_in(
        anonymous=Refusal.FORBIDDEN, method="POST", note="a second factor only"
    ),
    "otp_webauthn:js-i18n-catalog": public(),
    # The audit trail.
    "audit:events": role(Role.SECURITY_OFFICER),
    "audit:export_csv": role(Role.SECURITY_OFFICER),
    "audit:export_jsonl": role(Role.SECURITY_OFFICER),
    "audit:verify": role(Role.SECURITY_OFFICER),
    "audit:sign_checkpoint": role(Role.SECURITY_OFFICER, method="POST"),
    "audit:checkpoints": role(
        Role.FOCAL_POINT, Role.SECURITY_OFFICER, note="signed checkpoints, JSON"
    ),
    "audit_public_keys": public(note="the checkpoints' public keys, no secret"),
    # Search: public, trimmed by the policy for each viewer.
    "search:page": public(),
    "search:api": public(),
    "search:suggest": public(),
    # The exchange: verified, then the policy (vetting, clearance, sharing).
    "exchange:list": verified(),
    "exchange:recent": verified(),
    "exchange:create": verified(
        unrelated=Refusal.NOT_FOUND, method="POST", note="vetted experts of a State"
    ),
    "exchange:detail": verified(unrelated=Refusal.NOT_FOUND, note=POLICY_404),
    "exchange:version_create": verified(unrelated=Refusal.NOT_FOUND, note=POLICY_404),
    "exchange:sharing": verified(unrelated=Refusal.NOT_FOUND, note=POLICY_404),
    "exchange:access_history_csv": verified(
        unrelated=Refusal.NOT_FOUND,
        note="the owner and the originating State's focal point; 404 to others",
    ),
    "exchange:access_receipt": verified(
        unrelated=Refusal.NOT_FOUND,
        note="the owner and the originating State's focal point; 404 to others",
    ),
    "exchange:state_receipts": role(Role.FOCAL_POINT, note="of their own State"),
    "exchange:release_start": verified(
        unrelated=Refusal.NOT_FOUND,
        method="POST",
        note="the owner and the originating State's focal point; 404 to others",
    ),
    "exchange:release": verified(
        unrelated=Refusal.NOT_FOUND,
        note="those who may see the source and work on the draft; 404 to others",
    ),
    "exchange:release_approve": verified(
        unrelated=Refusal.NOT_FOUND,
        note="the originating State's focal point, with a recent code; 404 to others",
    ),
    "exchange:release_withdraw": verified(
        unrelated=Refusal.NOT_FOUND,
        method="POST",
        note="the owner and the originating State's focal point; 404 to others",
    ),
    "exchange:download_latest": verified(unrelated=Refusal.NOT_FOUND, note=POLICY_404),
    "exchange:download": verified(unrelated=Refusal.NOT_FOUND, note=POLICY_404),
    "exchange:download_record": verified(
        unrelated=Refusal.NOT_FOUND,
        note="the owner and the originating State's focal point; 404 to others",
    ),
    "exchange:api_documents": verified(
        anonymous=Refusal.NOT_FOUND,
        password_only=Refusal.NOT_FOUND,
        unrelated=Refusal.NOT_FOUND,
        note="JSON: 404 to anyone who is not a verified, vetted expert",
    ),
    "exchange:api_document": verified(
        anonymous=Refusal.NOT_FOUND,
        password_only=Refusal.NOT_FOUND,
        unrelated=Refusal.NOT_FOUND,
        note=POLICY_404,
    ),
    # Coordination rooms: the policy shows no room to a password-only session.
    "coordination:rooms": signed_in(note="says a second factor is needed"),
    "coordination:room": signed_in(
        password_only=Refusal.NOT_FOUND, unrelated=Refusal.NOT_FOUND, note=POLICY_404
    ),
    "coordination:messages": signed_in(
        password_only=Refusal.NOT_FOUND, unrelated=Refusal.NOT_FOUND, note=POLICY_404
    ),
    "coordination:read": signed_in(
        password_only=Refusal.NOT_FOUND,
        unrelated=Refusal.NOT_FOUND,
        method="POST",
        note=POLICY_404,
    ),
    "coordination:presence": signed_in(
        password_only=Refusal.NOT_FOUND, unrelated=Refusal.NOT_FOUND, note=POLICY_404
    ),
    "coordination:notifications": signed_in(note="none without a second factor"),
    "coordination:notification_feed": signed_in(note="none without a second factor"),
    "coordination:manage": role(Role.SECRETARIAT),
    "coordination:archive": role(Role.SECRETARIAT, method="POST"),
    "coordination:room_tier": role(Role.SECRETARIAT, method="POST"),
    # Progress: public pages trimmed by the policy; the editors' pages.
    "progress:dashboard": public(),
    "progress:chart_csv": public(),
    "progress:state": public(),
    "progress:manage": role(*EDITORS, note="of a State"),
    "progress:manage_add": role(*EDITORS, note="of a State"),
    "progress:manage_edit": role(*EDITORS, note="of the record's State"),
    "progress:manage_publication": role(Role.FOCAL_POINT, method="POST"),
    # Public content: feeds, sitemap, Wagtail's API, pages and documents (Wagtail's
    # own privacy and collection restrictions apply).
    "good_practices_feed": public(),
    "state_good_practices_feed": public(),
    "sitemap": public(),
    "wagtailapi:pages:listing": public(),
    "wagtailapi:pages:detail": public(),
    "wagtailapi:pages:find": public(),
    "wagtailapi:images:listing": public(),
    "wagtailapi:images:detail": public(),
    "wagtailapi:images:find": public(),
    "wagtailapi:documents:listing": public(),
    "wagtailapi:documents:detail": public(),
    "wagtailapi:documents:find": public(),
    "wagtaildocs_serve": public(note="Wagtail's collection restrictions"),
    "wagtaildocs_authenticate_with_password": public(),
    "wagtailcore_authenticate_with_password": public(),
    "wagtailcore_login": public(note="Wagtail's form for restricted pages"),
    "wagtail_serve": public(note="Wagtail's page privacy"),
}

# The versioned JSON API (portal/api/urls.py, docs/api.md): the same views as the
# older paths, so the same rules.
API_V1_ALIASES = {
    "api_v1:documents": "exchange:api_documents",
    "api_v1:document": "exchange:api_document",
    "api_v1:search": "search:api",
    "api_v1:suggest": "search:suggest",
    "api_v1:room_messages": "coordination:messages",
    "api_v1:room_read": "coordination:read",
    "api_v1:room_presence": "coordination:presence",
    "api_v1:notifications": "coordination:notification_feed",
}
ROUTES.update({name: ROUTES[alias] for name, alias in API_V1_ALIASES.items()})
ROUTES["api_v1:schema"] = signed_in(note="the OpenAPI document")
# Any other path under the API's prefix: the same JSON 404 for everyone.
ROUTES["api_v1:no_such_path"] = Rule(
    Access.PUBLIC,
    Refusal.NOT_FOUND,
    Refusal.NOT_FOUND,
    Refusal.NOT_FOUND,
    note="the API's JSON 404 for any path no route matches",
)

# Blocks and unnamed routes, by the start of their pattern.
PREFIXES: dict[str, Rule] = {
    # AdminVerifiedSessionMiddleware: sign-in, then the second factor, then Wagtail's
    # admin access permission (403 without it).
    "admin/": verified(
        unrelated=Refusal.FORBIDDEN,
        note="the Wagtail admin: verified, and Wagtail's admin access",
    ),
    # Image renditions, checked like documents (practices.media); originals and
    # document files have no direct URL.
    "^media/": public(note="renditions of images the asker may see"),
    "^static/": public(note="DEBUG only"),
    # Wagtail's password-only form, answered by a redirect to the portal's sign-in.
    "_util/login/": public(note="redirects to the portal's sign-in"),
}

# WebSocket routes (portal/routing.py), by pattern.
WEBSOCKETS: dict[str, Rule] = {
    "ws/ping/": public(note="liveness: answers pings, carries nothing"),
    "ws/coordination/rooms/<int:room_id>/": verified(
        anonymous=Refusal.SOCKET_UNVERIFIED,
        password_only=Refusal.SOCKET_UNVERIFIED,
        unrelated=Refusal.SOCKET_NOT_FOUND,
        note=POLICY_404,
    ),
    "ws/notifications/": verified(
        anonymous=Refusal.SOCKET_UNVERIFIED,
        password_only=Refusal.SOCKET_UNVERIFIED,
    ),
}


def rule_for(pattern: str, name: str | None) -> Rule | None:
    """The rule of the URL pattern `pattern` (full, from the root) named `name`."""
    if name and name in ROUTES:
        return ROUTES[name]
    for prefix, rule in PREFIXES.items():
        if pattern.startswith(prefix):
            return rule
    return None
