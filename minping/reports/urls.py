from django.urls import path

from minping.reports import views, views_analysis, views_cards, views_downloads, views_screen

urlpatterns = [
    path("", views.index, name="index"),
    path("c/<slug:code>/", views.campaign_results, name="campaign-results"),
    # Downloads from the results pages, each visitor within their scope (docs/reports.md).
    path("c/<slug:code>/results.<str:fmt>", views_downloads.results_file, name="results-file"),
    path("c/<slug:code>/answers.<str:fmt>", views_downloads.answers_file, name="answers-file"),
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
    # The hall screen (大屏) and the organiser's links for it (docs/reports.md).
    path("c/<slug:code>/screen/", views_screen.campaign_screen, name="screen"),
    path("c/<slug:code>/screen/data.json", views_screen.campaign_screen_data, name="screen-data"),
    path("c/<slug:code>/screen/links/", views_screen.screen_links, name="screen-links"),
    path(
        "c/<slug:code>/screen/links/<int:pk>/revoke/",
        views_screen.screen_link_revoke,
        name="screen-link-revoke",
    ),
    path("tv/<str:token>/", views_screen.linked_screen, name="tv"),
    path("tv/<str:token>/data.json", views_screen.linked_screen_data, name="tv-data"),
]
