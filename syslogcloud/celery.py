"""The Celery application: configuration comes from Django settings (CELERY_*)."""
import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_process_init, worker_ready
from kombu.serialization import register

from ingest.payload import BROKER_CONTENT_TYPE, BROKER_SERIALIZER, message_dumps, message_loads
from syslogcloud.heap import settle_heap

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "syslogcloud.settings")

app = Celery("syslogcloud", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Ingest batches travel in their own serializer (ingest.payload.message_dumps);
# JSON stays accepted: other tasks use it, and so did older collectors' batches.
register(BROKER_SERIALIZER, message_dumps, message_loads, content_type=BROKER_CONTENT_TYPE,
         content_encoding="binary")
app.conf.accept_content = ["json", BROKER_SERIALIZER]
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _database_connection_checked(sender=None, **kwargs) -> None:
    """What Django does around each request, around each task: drop a
    connection past CONN_MAX_AGE or broken by an error (the next query opens
    a fresh one). With CELERY_DB_REUSE_MAX set, Celery no longer closes the
    connection after every task, which cost a new backend per ingest batch."""
    if sender is None or getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


@worker_process_init.connect  # each prefork child, once it has started
@worker_ready.connect  # the solo and thread pools run tasks in the main process
def _heap_settled(**kwargs) -> None:
    settle_heap()
