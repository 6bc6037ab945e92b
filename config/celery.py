"""The Celery app: background letters and the periodic jobs (schedule in settings).

Every setting is read from Django's settings under the ``CELERY_`` prefix, which read the
environment: with ``CELERY_BROKER_URL`` unset (``make run``, ``make test``) tasks run
eagerly in-process, so nothing needs Redis. Production runs a worker and beat (README
"Background work").
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("bazaar")
app.config_from_object("django.conf:settings", namespace="CELERY")
# No broker (eager mode): Celery 5 still makes a (lazy) producer for each task it runs
# eagerly; give it the in-memory transport rather than letting kombu fall back to
# amqp://localhost with a warning on every letter. Nothing is published either way. The
# host name is only there because kombu warns, once a process, of a URL without one.
if not os.environ.get("CELERY_BROKER_URL"):
    app.conf.broker_url = "memory://localhost/"
app.autodiscover_tasks()
