from django.urls import path

from minping.cases import ledger_views, public_views, stats_views, views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.intake, name="intake"),
    path("comments/", views.comments, name="comments"),
    path("keys/", views.api_keys, name="api-keys"),
    path("report/", public_views.report, name="report"),
    path("check/", public_views.check, name="check"),
    path("stats/", stats_views.stats, name="stats"),
    path("stats/xlsx/", stats_views.stats_xlsx, name="stats-xlsx"),
    path("stats/propose-overdue/", stats_views.propose_overdue, name="propose-overdue"),
    path("ledger/<str:unit_code>/", ledger_views.ledger, name="ledger"),
    path("ledger/<str:unit_code>/xlsx/", ledger_views.ledger_xlsx, name="ledger-xlsx"),
    path("ledger/<str:unit_code>/add/", ledger_views.ledger_add, name="ledger-add"),
    path("ledger-item/<int:pk>/", ledger_views.ledger_update, name="ledger-update"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/card/", views.card, name="card"),
    path("<str:number>/card.docx", views.card_docx, name="card-docx"),
    path("<str:number>/card.pdf", views.card_pdf, name="card-pdf"),
    path("<str:number>/identity/", views.reveal, name="reveal"),
    path("<str:number>/<str:action>/", views.act, name="act"),
]
