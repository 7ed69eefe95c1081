"""Ordered work on shared, long-lived threads.

Receiving an upload hands each ~1 MiB block to workers (hash, write, the running
sha256) that must each see the blocks in order. A ``ThreadPoolExecutor(1)`` per
request did that, but starting a thread is not free: ``Thread.start`` waits until the
new thread has run, and on a busy 2-core machine, with the GIL contended by the
hashing threads, that took ~3-4 ms. Three of those per tus PATCH, on the event
loop, stalled every 8 MiB chunk (1.4 s of a 1 GiB upload in a profile).

A ``Lane`` is a serial queue (in the spirit of a GCD serial queue): its tasks run one
after another, in submission order, on whichever thread of the shared pool is free.
Lanes cost nothing to create, so each request makes its own; the pool's threads are
started once and reused. No task waits for another lane's task, so a bounded pool
cannot deadlock; it only bounds how many lanes run at the same moment.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

_POOL_SIZE = 32  # > 3 lanes x the default 8 uploads in flight; threads start lazily
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _shared_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(_POOL_SIZE, thread_name_prefix="upload-lane")
        return _pool


class Lane:
    def __init__(self) -> None:
        self._tasks: deque[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]] = deque()
        self._lock = threading.Lock()
        self._running = False

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        fut: Future[Any] = Future()
        with self._lock:
            self._tasks.append((fut, fn, args))
            if self._running:
                return fut
            self._running = True
        _shared_pool().submit(self._drain)
        return fut

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._tasks:
                    self._running = False
                    return
                fut, fn, args = self._tasks.popleft()
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args)
            except BaseException as exc:  # noqa: BLE001 - handed to whoever waits on it
                fut.set_exception(exc)
            else:
                fut.set_result(result)
