from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "saleor_distribution.core"
    label = "core"

    def ready(self) -> None:
        # Make sure `.delay()` anywhere in the service uses our configured Celery app.
        from saleor_distribution.celery import app  # noqa: F401
