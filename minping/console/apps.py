from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "minping.console"
    label = "console"
    verbose_name = "组织单位工作台"
