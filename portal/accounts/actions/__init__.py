"""Writes on accounts: roles, invitations, vetting, devices, sessions; all audited.

A module per concern (`roles`, `invitations`, `vetting`, `devices`,
`factor_resets`, `sessions`, `passwords`, `preferences`), as zulip's
`zerver/actions/`; every action is imported from here, `portal.accounts.actions`,
as before.
"""

from __future__ import annotations

from portal.accounts.actions.devices import (
    BACKUP_CODE_COUNT,
    confirm_totp_device,
    regenerate_backup_codes,
    remove_device,
    start_totp_enrolment,
    verify_code,
)
from portal.accounts.actions.factor_resets import (
    FactorResetRefused,
    confirm_factor_reset,
    factor_reset_candidates,
    pending_factor_resets,
    request_factor_reset,
)
from portal.accounts.actions.invitations import (
    INVITATION_LIFETIME,
    InvitationError,
    SentInvitation,
    accept_invitation,
    find_invitation,
    hash_token,
    invite_expert,
    record_rejected_invitation,
)
from portal.accounts.actions.passwords import (
    ResetLimited,
    ResetUnavailable,
    change_password,
    record_rejected_reset_link,
    request_password_reset,
    reset_password,
)
from portal.accounts.actions.preferences import set_time_zone
from portal.accounts.actions.roles import (
    assign_role,
    remove_role,
    set_groups,
    set_superuser,
)
from portal.accounts.actions.sessions import (
    sign_out_everywhere,
)
from portal.accounts.actions.vetting import (
    VettingRefused,
    approve_vetting,
    experts,
    pending_vetting,
    vet_expert,
    vetting_approvals_for,
)

__all__ = [
    "BACKUP_CODE_COUNT",
    "INVITATION_LIFETIME",
    "FactorResetRefused",
    "InvitationError",
    "ResetLimited",
    "ResetUnavailable",
    "SentInvitation",
    "VettingRefused",
    "accept_invitation",
    "approve_vetting",
    "assign_role",
    "change_password",
    "confirm_factor_reset",
    "confirm_totp_device",
    "experts",
    "factor_reset_candidates",
    "find_invitation",
    "hash_token",
    "invite_expert",
    "pending_factor_resets",
    "pending_vetting",
    "record_rejected_invitation",
    "record_rejected_reset_link",
    "regenerate_backup_codes",
    "remove_device",
    "remove_role",
    "request_factor_reset",
    "request_password_reset",
    "reset_password",
    "set_groups",
    "set_superuser",
    "set_time_zone",
    "sign_out_everywhere",
    "start_totp_enrolment",
    "verify_code",
    "vet_expert",
    "vetting_approvals_for",
]
