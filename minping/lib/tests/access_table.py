from minping.orgs.tests.matrix import EVERYONE, Expect

EXPECT = [Expect("healthz", allow=EVERYONE)]
