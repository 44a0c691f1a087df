from django.urls import path, re_path

from minping.oversight import views

app_name = "oversight"

urlpatterns = [
    path("deductions/", views.deduction_list, name="deductions"),
    path("deductions/new/", views.deduction_new, name="deduction-new"),
    path("deductions/<int:pk>/attachment/", views.deduction_attachment, name="deduction-file"),
    re_path(
        r"^deductions/(?P<pk>[0-9]+)/(?P<step>sign|accept|reject)/$",
        views.deduction_step,
        name="deduction-step",
    ),
    path("vetoes/new/", views.veto_new, name="veto-new"),
    path("vetoes/<int:pk>/attachment/", views.veto_attachment, name="veto-file"),
    re_path(
        r"^vetoes/(?P<pk>[0-9]+)/(?P<step>sign|accept|reject)/$",
        views.veto_step,
        name="veto-step",
    ),
    path("review/", views.review_queue, name="review"),
    path("inspections/", views.inspections, name="inspections"),
    path("inspections/plans/new/", views.plan_new, name="plan-new"),
    path("inspections/visits/new/", views.visit_new, name="visit-new"),
    path("inspections/visits/<int:pk>/", views.visit_detail, name="visit"),
    path("inspections/photos/<int:pk>/", views.visit_photo, name="photo"),
    path("inspections/cards/new/", views.card_edit, name="card-new"),
    path("inspections/cards/<int:pk>/", views.card_edit, name="card"),
]
