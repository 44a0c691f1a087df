"""gunicorn settings for one minping app server (docs/deploy.md).

Started by ``minping-web@PORT.service`` as
``gunicorn --config /opt/minping/deploy/gunicorn.conf.py --bind 127.0.0.1:PORT``;
run two or more such instances behind nginx. Worker and thread counts come from the
environment file so that sizing needs no code change.
"""

import os

wsgi_app = "minping.wsgi"
worker_class = "gthread"
# Per instance. One 8-core server: two instances × 4 processes × 4 threads (docs/deploy.md).
workers = int(os.environ.get("MINPING_WEB_WORKERS", "4"))
threads = int(os.environ.get("MINPING_WEB_THREADS", "4"))
# A worker silent this long is restarted. The slowest pages (computing a large campaign's
# results, PDFs) stay well below it; nginx waits as long only on those paths.
timeout = 120
graceful_timeout = 30
# nginx keeps connections to the app servers open (upstream keepalive).
keepalive = 75
# Recycle processes now and then, so a slow leak never grows into an outage.
max_requests = 5000
max_requests_jitter = 500
# No access log here: nginx keeps the only one, without invitation paths (/s/i/).
accesslog = None
errorlog = "-"
# Only nginx may say that the request came over HTTPS (X-Forwarded-Proto). On one host
# nginx connects from loopback; in compose.yaml from its container (FORWARDED_ALLOW_IPS).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "minping"
# gunicorn 27's control socket has one default path (~/.gunicorn/gunicorn.ctl), which two
# instances on one host would share; minping does not use it.
control_socket_disable = True
