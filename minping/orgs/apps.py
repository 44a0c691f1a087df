from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "minping.orgs"
    verbose_name = "单位"
