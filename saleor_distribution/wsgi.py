import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor_distribution.settings")

application = get_wsgi_application()

from saleor_distribution.celery import app as celery_app  # noqa: E402,F401  (tasks can be sent)
