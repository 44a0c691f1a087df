from django.apps import AppConfig


class LibConfig(AppConfig):
    name = "minping.lib"
    label = "lib"
    verbose_name = "公共设置"
