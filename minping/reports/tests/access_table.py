from minping.orgs.tests.matrix import EVERYONE, STAFF, Expect

EXPECT = [
    Expect("index", allow=EVERYONE),
    # The world's campaign is not published: only the organiser and leaders see its results.
    Expect("campaign-results", allow=STAFF, kwargs=lambda w: {"code": w.campaign.code}),
    # Public commitments are shown on the hall's screen: open to all.
    Expect("campaign-commitments", allow=EVERYONE, kwargs=lambda w: {"code": w.campaign.code}),
]
