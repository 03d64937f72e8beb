"""Staging areas move into the engine: each upload definition becomes an area, each of its
file definitions a staged file (with its bytes, where uploaded)."""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def copy_upload_definitions(apps, schema_editor):  # type: ignore[no-untyped-def]
    definitions = apps.get_model("uploads", "UploadDefinition")
    files = apps.get_model("uploads", "FileDefinition")
    uploaded = apps.get_model("imports", "UploadedBytes")
    areas = apps.get_model("imports", "StagingArea")
    staged = apps.get_model("imports", "StagedFile")
    for definition in definitions.objects.iterator():
        areas.objects.create(
            uuid=definition.uuid,
            dialect="uploads",
            status=definition.status,
            job_uuid=definition.meta_job_execution_id,
            created_on=definition.create_date,
            created_by=definition.created_by_user_id,
            updated_on=definition.updated_date,
            updated_by=definition.updated_by_user_id,
        )
    counters = {
        "NEW": "new_files",
        "UPLOADING": "uploading_files",
        "UPLOADED": "uploaded_files",
        "ERROR": "failed_files",
    }
    for definition in definitions.objects.iterator():
        counts = definition.files.values_list("status").annotate(n=models.Count("pk"))
        areas.objects.filter(uuid=definition.uuid).update(
            **{counters[status]: n for status, n in counts.order_by()}
        )
    for file in files.objects.select_related("upload_definition").iterator():
        bytes_ = uploaded.objects.filter(
            area=file.upload_definition.uuid, name=file.name
        ).first()
        staged.objects.create(
            uuid=file.uuid,
            area_id=file.upload_definition.uuid,
            name=file.name,
            status=file.status,
            declared_size=file.size,
            client_key=file.ui_key,
            upload_token=file.upload_token,
            created_on=file.create_date,
            key=bytes_.key if bytes_ else "",
            size=bytes_.size if bytes_ else None,
            sha256=bytes_.sha256 if bytes_ else "",
            uploaded_on=bytes_.updated_on if bytes_ else None,
        )


def copy_back(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Back to upload definitions; archives' members, which they never had, are dropped."""
    definitions = apps.get_model("uploads", "UploadDefinition")
    files = apps.get_model("uploads", "FileDefinition")
    uploaded = apps.get_model("imports", "UploadedBytes")
    areas = apps.get_model("imports", "StagingArea")
    staged = apps.get_model("imports", "StagedFile")
    for area in areas.objects.filter(dialect="uploads").iterator():
        definition = definitions.objects.create(
            uuid=area.uuid,
            status=area.status,
            meta_job_execution_id=area.job_uuid,
            create_date=area.created_on,
            created_by_user_id=area.created_by,
            updated_date=area.updated_on,
            updated_by_user_id=area.updated_by,
        )
        for file in staged.objects.filter(area=area, archive=None).iterator():
            files.objects.create(
                uuid=file.uuid,
                upload_definition=definition,
                name=file.name,
                status=file.status,
                size=file.declared_size,
                ui_key=file.client_key,
                create_date=file.created_on,
                job_execution_id=area.job_uuid,
                upload_token=file.upload_token,
            )
            if file.key:
                uploaded.objects.create(
                    area=area.uuid, name=file.name, key=file.key, size=file.size, sha256=file.sha256
                )


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0002_rowresult_job_index_from_unique"),
        ("uploads", "0002_file_status_index"),
    ]

    operations = [
        # The old table steps aside (with its constraint, whose name the new one takes).
        migrations.RemoveConstraint(model_name="stagedfile", name="one_staged_file_per_name"),
        migrations.RenameModel("StagedFile", "UploadedBytes"),
        migrations.CreateModel(
            name="StagingArea",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("dialect", models.CharField(max_length=20)),
                ("status", models.CharField(choices=[("NEW", "New"), ("IN_PROGRESS", "In Progress"), ("LOADED", "Loaded"), ("COMPLETED", "Completed"), ("ERROR", "Error")], default="NEW", max_length=20)),
                ("job_uuid", models.UUIDField(blank=True, db_index=True, null=True)),
                ("created_on", models.DateTimeField(default=django.utils.timezone.now)),
                ("created_by", models.CharField(blank=True, max_length=255)),
                ("updated_on", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ("updated_by", models.CharField(blank=True, max_length=255)),
                ("new_files", models.PositiveIntegerField(default=0)),
                ("uploading_files", models.PositiveIntegerField(default=0)),
                ("uploaded_files", models.PositiveIntegerField(default=0)),
                ("failed_files", models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="StagedFile",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("name", models.CharField(max_length=1024)),
                ("status", models.CharField(choices=[("NEW", "New"), ("UPLOADING", "Uploading"), ("UPLOADED", "Uploaded"), ("ERROR", "Error")], default="NEW", max_length=20)),
                ("declared_size", models.PositiveBigIntegerField(blank=True, help_text="in KB", null=True)),
                ("client_key", models.CharField(blank=True, help_text="the client's own key", max_length=255)),
                ("key", models.CharField(blank=True, max_length=300)),
                ("size", models.PositiveBigIntegerField(blank=True, help_text="bytes stored", null=True)),
                ("sha256", models.CharField(blank=True, max_length=64)),
                ("upload_token", models.UUIDField(blank=True, null=True)),
                ("created_on", models.DateTimeField(default=django.utils.timezone.now)),
                ("uploaded_on", models.DateTimeField(blank=True, null=True)),
                ("archive", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="members", to="imports.stagedfile")),
                ("area", models.ForeignKey(db_column="area", db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="files", to="imports.stagingarea", to_field="uuid")),
            ],
            options={
                "ordering": ["pk"],
                "indexes": [models.Index(fields=["area", "archive", "status"], name="imports_sta_area_47b98f_idx")],
                "constraints": [models.UniqueConstraint(fields=("area", "name"), name="one_staged_file_per_name")],
            },
        ),
        migrations.RunPython(copy_upload_definitions, copy_back, elidable=True),
        migrations.DeleteModel("UploadedBytes"),
    ]
