from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "minping.api"
    label = "api"
    verbose_name = "HTTP 接口"
