from django.urls import path

from minping.lib import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
]
