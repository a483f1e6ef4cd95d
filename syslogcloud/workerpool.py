"""The worker's process pool: Celery's prefork pool, made to shut down warm.

A batch is written to a pool child through a pipe, in chunks, by the
worker's event loop. A warm shutdown (SIGTERM, a deploy) stops that loop and
then waits for every job the pool holds to finish; a batch whose write had
started but not ended (any batch above the 64 KiB pipe buffer that arrived
just before the signal) could then never finish: the child waited for the
rest of the message, the parent for its result, forever (issue 8, row 6).

Flushing the pool before it is closed is what Celery itself does when the
broker connection is lost: writes already begun are completed (so the child
runs the batch and the shutdown waits for it), jobs not yet begun are
dropped from the pool and their unacknowledged messages go back to the
broker with the channel (acks are late), to be stored by the next worker.
"""
from billiard.pool import RUN
from celery.concurrency import prefork


class TaskPool(prefork.TaskPool):
    def on_close(self) -> None:
        pool = self._pool
        if pool is not None and pool._state == RUN and self.flush:
            self.flush()
        super().on_close()
