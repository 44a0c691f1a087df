from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class LibConfig(AppConfig):
    name = "minping.lib"
    label = "lib"
    verbose_name = "公共设置"
    default = True

    def ready(self) -> None:
        from minping.lib.admin import lock_other_admins

        lock_other_admins()


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin with minping's site: read-only, signing in through minping's page."""

    default = False  # named in INSTALLED_APPS in place of django.contrib.admin
    default_site = "minping.lib.admin_site.AdminSite"
