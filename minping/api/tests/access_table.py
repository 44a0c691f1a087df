from minping.orgs.tests.matrix import EVERYONE, Expect

EXPECT = [
    # The API's bare root answers nothing to anyone.
    Expect("api:api-root", allow=frozenset()),
    # The interface description is public so that 12345 vendors can integrate.
    Expect("api:openapi-json", allow=EVERYONE),
    Expect("api:openapi-view", allow=EVERYONE),
    # Intake needs a source system's API key; a signed-in session is not enough for anyone.
    Expect("api:create_case", allow=frozenset(), method="post", content_type="application/json"),
    Expect("api:get_case", allow=frozenset(), kwargs=lambda w: {"external_id": "x-1"}),
]
