from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "minping.orgs"
    verbose_name = "单位"

    def ready(self) -> None:
        # Connects the sign-in receiver that notes a temporary password.
        from minping.orgs import middleware  # noqa: F401
