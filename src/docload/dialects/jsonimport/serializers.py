"""The JSON import's bodies, for validation and for the OpenAPI schema."""

from typing import Any

from rest_framework import serializers


class CreateFromDefinitionSerializer(serializers.Serializer[Any]):
    """One of the two: the files staged in an upload definition, or a manifest's URL."""

    upload_definition = serializers.UUIDField(
        required=False,
        help_text="an upload definition holding manifest.json, its payloads and their content",
    )
    manifest_url = serializers.URLField(
        required=False,
        help_text="a manifest the server fetches, with its payloads (DOCLOAD_FETCH_ALLOWLIST)",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if len(attrs) != 1:
            raise serializers.ValidationError(
                "Give either upload_definition or manifest_url.", code="invalid"
            )
        return attrs


class CreateFromUploadsSerializer(serializers.Serializer[Any]):
    manifest = serializers.FileField(help_text="the manifest.json")
    payload = serializers.ListField(
        child=serializers.FileField(),
        help_text="one part per payload file; its file name is the payload's name",
    )


class PayloadOptionsSerializer(serializers.Serializer[Any]):
    enabled = serializers.BooleanField(required=False)
    starting_batch = serializers.IntegerField(required=False, min_value=1)


class StartSerializer(serializers.Serializer[Any]):
    payloads = serializers.DictField(
        child=PayloadOptionsSerializer(), required=False, help_text="by payload name"
    )


class PayloadSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    import_type = serializers.CharField()
    status = serializers.ChoiceField(choices=["Pending", "Success", "Error"])
    enabled = serializers.BooleanField()
    batches = serializers.IntegerField()
    objects = serializers.IntegerField()
    starting_batch = serializers.IntegerField()
    error = serializers.CharField()


class CountsSerializer(serializers.Serializer[Any]):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    failed = serializers.IntegerField()


RUN_STATUSES = (
    "Pending", "Preparing", "Prepared", "Running", "Success", "Error", "RollingBack", "RolledBack",
)  # fmt: skip


class RunSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=RUN_STATUSES)
    # The manifest's label of its source system (a field named like Field.source, hence ignore).
    source = serializers.CharField()  # type: ignore[assignment]
    batch_size = serializers.IntegerField()
    created = serializers.DateTimeField()
    started = serializers.DateTimeField(allow_null=True)
    finished = serializers.DateTimeField(allow_null=True)
    counts = CountsSerializer()
    payloads = PayloadSerializer(many=True)


class RunListSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = RunSerializer(many=True)
