from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "minping.cases"
    label = "cases"
    verbose_name = "问题线索与整改"
