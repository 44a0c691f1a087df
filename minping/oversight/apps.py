from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "minping.oversight"
    verbose_name = "减分与否决"

    def ready(self) -> None:
        from minping.oversight.storage import delete_files_with_records

        delete_files_with_records()
