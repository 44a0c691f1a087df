from minping.orgs.tests.matrix import EVERYONE, Expect

EXPECT = [
    # The API's bare root answers nothing to anyone.
    Expect("api:api-root", allow=frozenset()),
    # The interface description is public so that 12345 vendors can integrate.
    Expect("api:openapi-json", allow=EVERYONE),
    Expect("api:openapi-view", allow=EVERYONE),
]
