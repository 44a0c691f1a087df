"""The settings with development defaults, for the tests and for tools that import the
settings with no environment (mypy's Django plugin). The production checks of settings.py
would refuse them. Never for a server.

Setting ``MINPING_ENV`` here, not only reading it, lets the commands that tests run in
subprocesses inherit it.
"""

import os

os.environ.setdefault("MINPING_ENV", "development")

from minping.settings import *  # noqa: F403
