from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "minping.reports"
    verbose_name = "报告"
