from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "minping.campaigns"
    verbose_name = "评议活动"
