from django.apps import AppConfig
from django.core import checks


class SurveysConfig(AppConfig):
    name = "minping.surveys"
    verbose_name = "问卷与答卷"

    def ready(self) -> None:
        from minping.surveys.checks import chinese_font, survey_key
        from minping.surveys.limits import unknown_limits

        checks.register(chinese_font)
        checks.register(survey_key)
        checks.register(unknown_limits)
