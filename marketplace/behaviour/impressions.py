"""Recording what recommenders served without slowing the response down.

A request hands its impression to ``ImpressionBuffer.offer``, which never blocks: the
impression goes into a bounded queue, or is dropped and counted when the queue is full
(the database is down or slow: serving goes on, the report undercounts, and the count of
dropped rows says by how much). One background thread writes the queue in batches: every
``flush_seconds``, or as soon as ``batch_size`` rows wait.
"""

from __future__ import annotations

import logging
import threading
from collections import deque

from marketplace.behaviour.domain.impressions import Impression
from marketplace.behaviour.ports import ImpressionWriter

log = logging.getLogger("agora.recs.impressions")


class ImpressionBuffer:
    def __init__(
        self,
        writer: ImpressionWriter,
        *,
        max_queue: int = 20_000,
        batch_size: int = 500,
        flush_seconds: float = 1.0,
    ) -> None:
        self._writer = writer
        # A deque, not a queue.Queue: appending wakes nobody, so a request pays no thread
        # switch; the writer wakes on its timer, or when a full batch waits.
        self._pending: deque[Impression] = deque()
        self._max_queue, self._batch_size = max_queue, batch_size
        self._flush_seconds = flush_seconds
        self._write_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.dropped = 0
        self.written = 0

    def offer(self, impression: Impression) -> bool:
        """Queue one impression; False (and counted) when the queue is full."""
        if len(self._pending) >= self._max_queue:
            self.dropped += 1
            return False
        self._pending.append(impression)
        if len(self._pending) >= self._batch_size:
            self._wake.set()
        return True

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="impressions", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Stop the thread and write what is still queued."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.flush()

    def flush(self) -> int:
        """Write everything queued now, in batches; returns how many rows were new."""
        new = 0
        while batch := self._take():
            new += self._write(batch)
        return new

    def _take(self) -> list[Impression]:
        batch: list[Impression] = []
        while len(batch) < self._batch_size:
            try:
                batch.append(self._pending.popleft())
            except IndexError:
                break
        return batch

    def _write(self, batch: list[Impression]) -> int:
        with self._write_lock:
            try:
                new = self._writer.insert_many(batch)
            except Exception:  # the database may be away: keep serving, count the loss
                log.exception("impressions_write_failed", extra={"rows": len(batch)})
                self.dropped += len(batch)
                return 0
            self.written += new
            return new

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._flush_seconds)
            self._wake.clear()
            self.flush()
