from django.apps import AppConfig


class JsonImportConfig(AppConfig):
    name = "docload.dialects.jsonimport"
    label = "jsonimport"
    verbose_name = "JSON import"

    def ready(self) -> None:
        from docload.imports.jobs import job_finished
        from docload.imports.models import Job

        def on_finished(sender: object, job: Job, **kwargs: object) -> None:
            from docload.dialects.jsonimport.runs import continue_after

            continue_after(job)

        job_finished.connect(on_finished, weak=False, dispatch_uid="jsonimport-next-payload")
