from django.urls import path

from minping.reports import views, views_analysis, views_cards

urlpatterns = [
    path("", views.index, name="index"),
    path("c/<slug:code>/", views.campaign_results, name="campaign-results"),
    path("c/<slug:code>/results-package.json", views.results_package, name="results-package"),
    path("c/<slug:code>/commitments/", views.commitments, name="campaign-commitments"),
    # The analysis report and the report cards (docs/reports.md).
    path("c/<slug:code>/report/", views_analysis.report_page, name="report-page"),
    path("c/<slug:code>/report/generate/", views_analysis.generate, name="report-generate"),
    path("reports/jobs/<int:pk>/", views_analysis.job_progress, name="report-job"),
    path(
        "reports/jobs/<int:pk>/report.<str:fmt>",
        views_analysis.report_download,
        name="report-download",
    ),
    path("reports/jobs/<int:pk>/cards.zip", views_analysis.cards_download, name="cards-download"),
    path("c/<slug:code>/units/<str:unit>/card.<str:fmt>", views_cards.card, name="unit-card"),
]
