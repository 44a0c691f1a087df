from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "minping.oversight"
    verbose_name = "减分与否决"
