"""Everything behind sign-in: the organiser console, the department portal, oversight pages
and the audit log, under /console/."""

from django.urls import include, path

from minping.cases.views import from_visit
from minping.console.views import (
    calendar,
    campaigns,
    editor,
    home,
    imports,
    portal,
    records,
    results,
    sheets,
    users,
)
from minping.console.views.audit_log import audit_log

app_name = "console"

urlpatterns = [
    path("", home.home, name="home"),
    path("start/", home.landing, name="landing"),
    path("campaigns/", campaigns.campaign_list, name="campaigns"),
    path("campaigns/new/", campaigns.campaign_new, name="campaign-new"),
    path("c/<slug:code>/", campaigns.campaign_detail, name="campaign"),
    path("campaigns/new/form/", editor.campaign_form_new, name="campaign-form-new"),
    path("c/<slug:code>/definition/", campaigns.campaign_edit, name="campaign-edit"),
    path("c/<slug:code>/edit/", editor.campaign_form_edit, name="campaign-form-edit"),
    path("c/<slug:code>/definition.toml", editor.definition_download, name="definition-download"),
    path("c/<slug:code>/requirements/", campaigns.requirement_save, name="requirement-new"),
    path(
        "c/<slug:code>/requirements/<int:pk>/",
        campaigns.requirement_save,
        name="requirement-edit",
    ),
    path("c/<slug:code>/monitor/", campaigns.monitor, name="monitor"),
    path("c/<slug:code>/eligibility/", campaigns.eligibility, name="eligibility"),
    path(
        "c/<slug:code>/eligibility/<int:pk>/restore/",
        campaigns.eligibility_restore,
        name="eligibility-restore",
    ),
    path("c/<slug:code>/records/", records.records, name="records"),
    path(
        "c/<slug:code>/records/consequence/<int:pk>/delete/",
        records.consequence_delete,
        name="consequence-delete",
    ),
    path(
        "c/<slug:code>/records/award/<int:pk>/delete/",
        records.person_award_delete,
        name="person-award-delete",
    ),
    path("c/<slug:code>/results/", results.results, name="results"),
    path("c/<slug:code>/results/compute/", results.compute, name="compute"),
    path("c/<slug:code>/results/<int:pk>/publish/", results.publish, name="publish"),
    path(
        "c/<slug:code>/results/<int:pk>/publish/confirm/",
        results.publish_confirm,
        name="publish-confirm",
    ),
    path("c/<slug:code>/results/<int:pk>/submit/", results.submit, name="results-submit"),
    path("c/<slug:code>/results/<int:pk>/approve/", results.approve, name="results-approve"),
    path("c/<slug:code>/results/<int:pk>/return/", results.send_back, name="results-return"),
    path("c/<slug:code>/results/<int:pk>/release/", results.release, name="results-release"),
    path("units/", campaigns.unit_tree, name="units"),
    path("imports/", imports.import_list, name="imports"),
    path("imports/new/", imports.import_new, name="import-new"),
    path("imports/<int:pk>/", imports.import_job, name="import"),
    path("imports/<int:pk>/progress/", imports.import_progress, name="import-progress"),
    path("imports/<int:pk>/confirm/", imports.import_confirm, name="import-confirm"),
    path("imports/<int:pk>/cancel/", imports.import_cancel, name="import-cancel"),
    path("imports/<int:pk>/restart/", imports.import_restart, name="import-restart"),
    path(
        "imports/<int:pk>/problems.<str:fmt>",
        imports.import_problems,
        name="import-problems",
    ),
    path(
        "imports/templates/<str:kind>.<str:fmt>",
        imports.import_template,
        name="import-template",
    ),
    path("users/", users.user_list, name="users"),
    path("users/<int:pk>/", users.user_detail, name="user"),
    path("users/<int:pk>/roles/<int:membership>/revoke/", users.role_revoke, name="role-revoke"),
    path("users/<int:pk>/password/", users.password_reset, name="password-reset"),
    path("users/<int:pk>/totp/remove/", users.totp_remove, name="totp-remove"),
    path("totp/", users.totp_setup, name="totp"),
    path("password/", users.password_change, name="password-change"),
    path("audit/", audit_log, name="audit"),
    path("calendar/", calendar.calendar, name="calendar"),
    path("calendar/days/", calendar.day_set, name="calendar-day"),
    path("calendar/days/<int:pk>/remove/", calendar.day_remove, name="calendar-day-remove"),
    path("calendar/import/", calendar.calendar_import, name="calendar-import"),
    path("calendar/years/<int:year>/", calendar.year_state, name="calendar-year"),
    # Score sheets: the organiser assigns and follows them, raters fill them.
    path("c/<slug:code>/sheets/", sheets.methods, name="sheets"),
    path("c/<slug:code>/sheets/<slug:method>/", sheets.method_sheets, name="sheet-method"),
    path("c/<slug:code>/sheets/<slug:method>/assign/", sheets.assign, name="sheet-assign"),
    path("c/<slug:code>/sheets/<slug:method>/peers/", sheets.assign_peers, name="sheet-peers"),
    path(
        "c/<slug:code>/sheets/<slug:method>/lines/<int:pk>/remove/",
        sheets.unassign,
        name="sheet-unassign",
    ),
    path(
        "c/<slug:code>/sheets/<slug:method>/sheet/<int:pk>/",
        sheets.sheet_review,
        name="sheet-review",
    ),
    path(
        "c/<slug:code>/sheets/<slug:method>/sheet/<int:pk>/reopen/",
        sheets.sheet_reopen,
        name="sheet-reopen",
    ),
    path(
        "c/<slug:code>/sheets/<slug:method>/lines/<int:pk>/correct/",
        sheets.line_correct,
        name="sheet-correct",
    ),
    path("sheets/", sheets.my_sheets, name="my-sheets"),
    path("sheets/<int:pk>/", sheets.my_sheet, name="my-sheet"),
    path("portal/", portal.portal_home, name="portal"),
    path("portal/<str:unit>/", portal.unit_portal, name="portal-unit"),
    path("portal/<str:unit>/c/<slug:code>/", portal.unit_results, name="portal-results"),
    path("portal/<str:unit>/submit/<int:pk>/", portal.submit, name="portal-submit"),
    path("files/submissions/<int:pk>/", portal.submission_file, name="submission-file"),
    # A cases view among the oversight pages: cases depend on oversight, never the reverse.
    path("oversight/inspections/visits/<int:pk>/case/", from_visit, name="visit-case"),
    path("oversight/", include("minping.oversight.urls")),
]
