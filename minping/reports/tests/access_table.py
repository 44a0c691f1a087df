from django.core.files.base import ContentFile
from django.utils import timezone

from minping.campaigns.models import Campaign
from minping.orgs.tests.matrix import EVERYONE, ORGANISER, STAFF, Expect, World
from minping.reports.actions import do_issue_screen_link, do_revoke_screen_link
from minping.reports.models import ReportJob
from minping.scoring.models import ResultSnapshot, SnapshotInputs

# The police bureau's liaison and staff reach the bureau's card; the water liaison gets a 404.
GAJ_CARD = STAFF | {"liaison"}
# The world's results file: staff, the approving body, and the liaison for the bureau's rows
# (the results are released to units); the water company is not ranked: 404 to its liaison.
RESULTS_FILE = STAFF | {"liaison", "approver"}


def build(world: World) -> None:
    """A released (published) snapshot with the police bureau ranked, and two finished jobs."""
    results = {
        "campaign": world.campaign.code,
        "title": world.campaign.title,
        "complete": True,
        "groups": [{"code": "agencies", "name": "机关单位"}],
        "methods": [{"code": "online", "title": "网络评议", "weight": 100.0, "input": "scores"}],
        "units": [
            {
                "unit": "gaj",
                "name": "公安局",
                "group": "agencies",
                "methods": {"online": {"score": 90.0}},
                "method_ranks": {"online": 1},
                "weighted": 90.0,
                "deductions": {},
                "composite": 90.0,
                "rank": 1,
                "vetoed": False,
                "grade": None,
                "watchlist": [],
                "baseline": None,
                "change": None,
                "eligible": True,
            }
        ],
    }
    snapshot = ResultSnapshot.objects.create(
        campaign=world.campaign, results=results, published=True
    )
    # The inputs a computed snapshot keeps, so its results package can be downloaded.
    inputs = {"definition": {"code": world.campaign.code}, "tallies": {}, "baseline": None}
    SnapshotInputs.objects.create(snapshot=snapshot, data=inputs)
    analysis = ReportJob(
        campaign=world.campaign,
        snapshot=snapshot,
        kind=ReportJob.Kind.ANALYSIS,
        state=ReportJob.State.DONE,
    )
    analysis.docx.save("matrix.docx", ContentFile(b"PK docx"), save=False)
    analysis.pdf.save("matrix.pdf", ContentFile(b"%PDF-1.7"), save=True)
    cards = ReportJob(
        campaign=world.campaign,
        snapshot=snapshot,
        kind=ReportJob.Kind.CARDS_PDF,
        state=ReportJob.State.DONE,
    )
    cards.archive.save("matrix.zip", ContentFile(b"PK zip"), save=True)
    world.extra.update(analysis_job=analysis, cards_job=cards)
    # A campaign that publishes its results to the public and has done so.
    public = Campaign.objects.create(
        code="matrix-public", title="公开的评议", year=2026, groups=["agencies"], publish=True
    )
    ResultSnapshot.objects.create(campaign=public, results=results, published=True)
    public.published_at = timezone.now()
    public.save()
    # Hall-screen links: one in use, one revoked, one for the revoke button to act on.
    organiser = world.users["organiser"]
    _link, token = do_issue_screen_link(organiser, world.campaign, "一楼大厅")
    revoked, old_token = do_issue_screen_link(organiser, world.campaign, "旧屏幕")
    do_revoke_screen_link(organiser, revoked)
    to_revoke, _token = do_issue_screen_link(organiser, world.campaign, "二楼")
    world.extra.update(screen_token=token, old_screen_token=old_token, screen_link=to_revoke)


def code(w: World) -> dict[str, str]:
    return {"code": w.campaign.code}


EXPECT = [
    Expect("index", allow=EVERYONE),
    # The world's campaign is not published: only the organiser and leaders see its results.
    Expect("campaign-results", allow=STAFF, kwargs=code),
    # Its results package likewise (a publishing campaign's is open to all: test_results_page).
    Expect("results-package", allow=STAFF, kwargs=code),
    # Public commitments are shown on the hall's screen: open to all.
    Expect("campaign-commitments", allow=EVERYONE, kwargs=code),
    # The analysis report: organisers and leaders see and download it, organisers generate.
    Expect("report-page", allow=STAFF, kwargs=code),
    Expect(
        "report-generate",
        allow=ORGANISER,
        kwargs=code,
        method="post",
        data=lambda w: {"kind": "cards_docx"},
    ),
    Expect("report-job", allow=STAFF, kwargs=lambda w: {"pk": w.extra["analysis_job"].pk}),
    Expect(
        "report-download",
        allow=STAFF,
        kwargs=lambda w: {"pk": w.extra["analysis_job"].pk, "fmt": "pdf"},
    ),
    # Every unit's card in one file is the organiser's alone.
    Expect("cards-download", allow=ORGANISER, kwargs=lambda w: {"pk": w.extra["cards_job"].pk}),
    Expect(
        "results-file",
        allow=RESULTS_FILE,
        kwargs=lambda w: {"code": w.campaign.code, "fmt": "xlsx"},
    ),
    # Published to the public: everyone downloads it.
    Expect(
        "results-file", allow=EVERYONE, kwargs=lambda w: {"code": "matrix-public", "fmt": "csv"}
    ),
    # Every answer, for analysts: organisers and leaders only.
    Expect("answers-file", allow=STAFF, kwargs=lambda w: {"code": w.campaign.code, "fmt": "csv"}),
    Expect(
        "unit-card",
        allow=GAJ_CARD,
        kwargs=lambda w: {"code": w.campaign.code, "unit": "gaj", "fmt": "docx"},
    ),
    # The hall screen: the world's campaign does not publish its results, so its public
    # address is for organisers and leaders only (the public case is in test_screen.py).
    Expect("screen", allow=STAFF, kwargs=code),
    Expect("screen-data", allow=STAFF, kwargs=code),
    Expect("screen-links", allow=ORGANISER, kwargs=code),
    Expect(
        "screen-links",
        allow=ORGANISER,
        kwargs=code,
        method="post",
        data=lambda w: {"label": "三楼"},
    ),
    Expect(
        "screen-link-revoke",
        allow=ORGANISER,
        kwargs=lambda w: {"code": w.campaign.code, "pk": w.extra["screen_link"].pk},
        method="post",
    ),
    # A link the organiser issued opens the screen for anyone; a revoked one for no one.
    Expect("tv", allow=EVERYONE, kwargs=lambda w: {"token": w.extra["screen_token"]}),
    Expect("tv-data", allow=EVERYONE, kwargs=lambda w: {"token": w.extra["screen_token"]}),
    Expect("tv", allow=frozenset(), kwargs=lambda w: {"token": w.extra["old_screen_token"]}),
    Expect("tv-data", allow=frozenset(), kwargs=lambda w: {"token": w.extra["old_screen_token"]}),
]
