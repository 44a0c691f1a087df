from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "minping.surveys"
    verbose_name = "问卷与答卷"
