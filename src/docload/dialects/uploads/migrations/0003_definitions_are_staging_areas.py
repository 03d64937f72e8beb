"""Upload definitions and their files now live in the engine's staging areas (imports 0003)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("uploads", "0002_file_status_index"),
        ("imports", "0003_staging_areas"),
    ]

    operations = [
        migrations.DeleteModel("FileDefinition"),
        migrations.DeleteModel("UploadDefinition"),
    ]
