from django.urls import path

from minping.reports import views

urlpatterns = [
    path("", views.index, name="index"),
]
