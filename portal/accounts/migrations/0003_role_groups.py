"""Create one Django group per portal role (names as portal.accounts.roles.Role)."""

from django.db import migrations

ROLE_NAMES = [
    "State editor",
    "State focal point",
    "Secretariat",
    "Vetted expert",
    "Security officer",
]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_NAMES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_invitations_and_reminders"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    # Groups are kept on reverse: other parts may have given them permissions.
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
