"""Pending users were stored as VIEWER, the old default; approval now grants the stored role
(OPERATOR unless the admin picks another), so those still waiting move to OPERATOR."""

from django.db import migrations


def pending_viewers_to_operators(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.filter(status="PENDING", role="VIEWER").update(role="OPERATOR")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(pending_viewers_to_operators, migrations.RunPython.noop)]
