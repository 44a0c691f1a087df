"""The WSGI application that production servers (gunicorn, uWSGI) and runserver load."""

import os

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minping.settings")
application = get_wsgi_application()

# Management commands run the system checks before they start; a WSGI server does not.
# Run them here as well, so that a server refuses to start on a configuration that
# `minping check` rejects (such as a missing MINPING_SURVEY_KEY) instead of serving with it.
_serious = [message for message in checks.run_checks() if message.is_serious()]
if _serious:
    raise ImproperlyConfigured("\n".join(str(message) for message in _serious))
