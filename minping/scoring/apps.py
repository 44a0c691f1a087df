from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "minping.scoring"
    verbose_name = "计分与结果"
