"""The Celery application. Configured from Django settings (`CELERY_*`)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor_distribution.settings")

app = Celery("saleor_distribution")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
