from django.urls import path

from minping.surveys import (
    views,
    views_interviewer,
    views_online,
    views_progress,
    views_review,
)

app_name = "surveys"

urlpatterns = [
    # Respondents: open to everyone.
    path("i/<str:token>/", views.invitation, name="invitation"),
    path("code/", views.code_entry, name="code"),
    path("w/<str:slug>/", views.window, name="window"),
    path("kiosk/", views.kiosk, name="kiosk"),
    path("kiosk/thanks/", views.kiosk_thanks, name="kiosk_thanks"),
    path("kiosk/pair/<str:token>/", views.kiosk_pair, name="kiosk_pair"),
    path("thanks/", views.thanks, name="thanks"),
    path("o/<slug:code>/<slug:method>/", views_online.online, name="online"),
    path("o/<slug:code>/<slug:method>/<slug:unit>/", views_online.online, name="online_unit"),
    path("language/", views.language, name="language"),
    # The organiser (leaders read).
    path("manage/", views.manage, name="manage"),
    path("manage/<slug:code>/", views.campaign, name="campaign"),
    path("manage/<slug:code>/comments/", views.comments, name="comments"),
    path("manage/<slug:code>/<slug:method>/settings/", views.collection_settings, name="settings"),
    path("manage/<slug:code>/<slug:method>/freeze/", views.freeze, name="freeze"),
    path("manage/<slug:code>/<slug:method>/windows/", views.create_windows, name="windows"),
    path("manage/<slug:code>/<slug:method>/invite/", views.invite, name="invite"),
    path("manage/<slug:code>/<slug:method>/categories/", views.categories, name="categories"),
    path("window/<uuid:pk>/sheet.pdf", views.window_sheet, name="window_sheet"),
    path("window/<uuid:pk>/kiosk/", views.register_kiosk, name="register_kiosk"),
    path("kiosk/<uuid:pk>/revoke/", views.revoke_kiosk, name="revoke_kiosk"),
    path("comment/<uuid:pk>/mark/", views.mark_comment, name="mark_comment"),
    path("manage/<slug:code>/progress/", views_progress.progress, name="progress"),
    path("manage/<slug:code>/progress/live/", views_progress.progress_live, name="progress_live"),
    path(
        "manage/<slug:code>/<slug:method>/round/",
        views_progress.advance_round,
        name="advance_round",
    ),
    path("manage/<slug:code>/quarantine/", views_review.quarantine, name="quarantine"),
    path("ballot/<uuid:pk>/decide/", views_review.decide, name="decide_ballot"),
    # Interviewers enter phone-interview and paper ballots.
    path("enter/", views_interviewer.enter_home, name="enter_home"),
    path("enter/<slug:code>/<slug:method>/", views_interviewer.enter, name="enter"),
]
