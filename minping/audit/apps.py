from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "minping.audit"
    verbose_name = "审计日志"
