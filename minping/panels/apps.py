from django.apps import AppConfig


class PanelsConfig(AppConfig):
    name = "minping.panels"
    verbose_name = "样本库与抽样"
