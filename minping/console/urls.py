"""Everything behind sign-in: the organiser console, the department portal, oversight pages
and the audit log, under /console/."""

from django.urls import include, path

from minping.audit.views import audit_log
from minping.cases.views import from_visit
from minping.console.views import campaigns, home, imports, portal, results, users

app_name = "console"

urlpatterns = [
    path("", home.home, name="home"),
    path("campaigns/", campaigns.campaign_list, name="campaigns"),
    path("campaigns/new/", campaigns.campaign_new, name="campaign-new"),
    path("c/<slug:code>/", campaigns.campaign_detail, name="campaign"),
    path("c/<slug:code>/definition/", campaigns.campaign_edit, name="campaign-edit"),
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
    path("c/<slug:code>/results/", results.results, name="results"),
    path("c/<slug:code>/results/compute/", results.compute, name="compute"),
    path("c/<slug:code>/results/<int:pk>/publish/", results.publish, name="publish"),
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
    path("portal/", portal.portal_home, name="portal"),
    path("portal/<str:unit>/", portal.unit_portal, name="portal-unit"),
    path("portal/<str:unit>/c/<slug:code>/", portal.unit_results, name="portal-results"),
    path("portal/<str:unit>/submit/<int:pk>/", portal.submit, name="portal-submit"),
    path("files/submissions/<int:pk>/", portal.submission_file, name="submission-file"),
    # A cases view among the oversight pages: cases depend on oversight, never the reverse.
    path("oversight/inspections/visits/<int:pk>/case/", from_visit, name="visit-case"),
    path("oversight/", include("minping.oversight.urls")),
]
