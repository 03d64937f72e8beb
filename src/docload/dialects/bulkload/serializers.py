"""The bulk load's request and response bodies (for validation and the schema)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class BulkLoadRequestSerializer(serializers.Serializer[Any]):
    bulkload_file = serializers.CharField(help_text="the name or id of an uploaded .xlsx file")
    execute_immediately = serializers.BooleanField(default=True)
    execute_date = serializers.CharField(required=False, help_text="YYYY-MM-DD")
    execute_time = serializers.CharField(required=False, help_text="HH:MM:SS")
    execute_timezone = serializers.CharField(
        required=False, help_text="minutes from UTC, e.g. 0, 120, -60"
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs["execute_immediately"]:
            missing = [
                name
                for name in ("execute_date", "execute_time", "execute_timezone")
                if not attrs.get(name)
            ]
            if missing:
                raise serializers.ValidationError(
                    {name: "Required when execute_immediately is false." for name in missing},
                    code="required",
                )
        return attrs


class UploadedFileSerializer(serializers.Serializer[Any]):
    id = serializers.CharField()
    name = serializers.CharField()


class UploadedFilesSerializer(serializers.Serializer[Any]):
    uploadedfiles = UploadedFileSerializer(many=True)


class StartedSerializer(serializers.Serializer[Any]):
    href = serializers.CharField()
    success = serializers.BooleanField()
    transaction_id = serializers.CharField()


class PollEntrySerializer(serializers.Serializer[Any]):
    status = serializers.CharField()
    href = serializers.CharField()
    description = serializers.CharField()


class LogSerializer(serializers.Serializer[Any]):
    log_id = serializers.IntegerField()
    message = serializers.CharField()
    severity = serializers.ChoiceField(choices=["info", "warning", "error"])
    time = serializers.DateTimeField()
    transaction_id = serializers.CharField()


class SubTransactionSerializer(serializers.Serializer[Any]):
    pkid = serializers.CharField()
    action = serializers.CharField()
    detail = serializers.CharField()
    status = serializers.CharField()
    submitted_time = serializers.DateTimeField()
    completed_time = serializers.DateTimeField(
        allow_null=True, help_text="when the row's outcome committed"
    )
    transaction = serializers.CharField()


class TransactionSummarySerializer(serializers.Serializer[Any]):
    pkid = serializers.CharField()
    href = serializers.CharField()
    status = serializers.CharField(help_text="Scheduled, Queued, In Progress, Success or Fail")
    submitted_time = serializers.DateTimeField()
    started_time = serializers.DateTimeField(allow_null=True)
    completed_time = serializers.DateTimeField(allow_null=True)
    rolled_back = serializers.CharField()
    action = serializers.CharField()
    detail = serializers.CharField()
    message = serializers.CharField()


class TransactionSerializer(TransactionSummarySerializer):
    logs = LogSerializer(many=True)
    sub_transactions_count = serializers.IntegerField()
    sub_transactions_offset = serializers.IntegerField()
    sub_transactions_limit = serializers.IntegerField()
    sub_transactions = SubTransactionSerializer(many=True)


class TransactionListSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    transactions = TransactionSummarySerializer(many=True)


class ScheduleSerializer(serializers.Serializer[Any]):
    pkid = serializers.CharField()
    name = serializers.CharField()
    execution_time = serializers.DateTimeField()
    execute_timezone = serializers.IntegerField()
    state = serializers.CharField()
    transaction = serializers.CharField()


class ScheduleListSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    schedules = ScheduleSerializer(many=True)
