"""Accounts: email login, the State a user acts for, clearance and vetting."""
