from django.urls import path

from minping.reports import views

urlpatterns = [
    path("", views.index, name="index"),
    path("c/<slug:code>/", views.campaign_results, name="campaign-results"),
    path("c/<slug:code>/commitments/", views.commitments, name="campaign-commitments"),
]
