"""The project package. Loading the Celery app here makes ``@shared_task`` bind to it in
every process (web, worker, beat, manage.py)."""

from config.celery import app as celery_app

__all__ = ("celery_app",)
