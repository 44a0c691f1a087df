from django.urls import path

from minping.panels import views

app_name = "panels"

# Mounted at /console/panels/ (minping/urls.py). Organiser only: pools are personal information.
urlpatterns = [
    path("", views.index, name="index"),
    path("template.csv", views.template, name="template"),
    path("c/<slug:code>/", views.campaign, name="campaign"),
    path("c/<slug:code>/pools/new/", views.pool_new, name="pool_new"),
    path("c/<slug:code>/draw/", views.draw_new, name="draw_new"),
    path("c/<slug:code>/responses/", views.responses, name="responses"),
    path("pool/<int:pk>/", views.pool, name="pool"),
    path("pool/<int:pk>/people/", views.people, name="people"),
    path("pool/<int:pk>/import/", views.pool_import, name="pool_import"),
    path("pool/<int:pk>/export/", views.pool_export, name="pool_export"),
    path("pool/<int:pk>/keep/", views.pool_keep, name="pool_keep"),
    path("pool/<int:pk>/delete/", views.pool_delete, name="pool_delete"),
    path("list/<int:pk>/accept/", views.accept_list, name="accept_list"),
    path("draw/<int:pk>/", views.draw, name="draw"),
    path("draw/<int:pk>/report.xlsx", views.draw_report, name="draw_report"),
    path("draw/<int:pk>/people/", views.draw_people, name="draw_people"),
    path("draw/<int:pk>/export/", views.draw_export, name="draw_export"),
    path("draw/<int:pk>/issue/", views.issue, name="issue"),
    path("draw/<int:pk>/redraw/", views.redraw, name="redraw"),
]
