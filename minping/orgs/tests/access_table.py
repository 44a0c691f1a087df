from minping.orgs.tests.matrix import EVERYONE, Expect

EXPECT = [
    Expect("login", allow=EVERYONE),
    # Signing out is a POST that every visitor may make; it only ends their own session.
    Expect("logout", allow=EVERYONE, method="post"),
]
