from django.contrib import admin
from django.urls import include, path

from minping.api.api import api

# The error page shows the request id, so that the traceback in the log can be found.
handler500 = "minping.lib.error_views.server_error"

admin.site.site_header = "民评 minping 管理后台"
admin.site.site_title = "民评"
admin.site.index_title = "评议活动管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("minping.lib.urls")),
    path("", include("minping.orgs.urls")),
    # The sample library, organiser only (personal information): docs/panels.md.
    path("console/panels/", include("minping.panels.urls")),
    path("console/", include("minping.console.urls")),
    path("cases/", include("minping.cases.urls")),
    path("s/", include("minping.surveys.urls")),
    path("", include("minping.reports.urls")),
]
