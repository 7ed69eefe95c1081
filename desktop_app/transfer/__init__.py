"""Transfer layer: everything that crosses the network. No Qt.

Modules, each one idea:

- ``client.BackendClient``  the backend API (sign-in, refresh, config, sessions, upload,
  video status). ``upload_video`` picks tus (>= one chunk) or one multipart request and
  checks the server's sha256 against the file's.
- ``tus.TusUploader``       a tus 1.0 client for any conforming server (also ``main.py upload --tus``,
  ``commands/upload_tus.py``).
- ``retry``                 ``RetryPolicy``, ``call_with_retry`` (tenacity), ``AttemptInfo``.
- ``breaker``               ``CircuitBreaker`` per endpoint, ``BreakerRegistry``, ``BreakerEvent``.
- ``budget.RetryBudget``    token bucket that stops retry storms across parallel jobs.
- ``auth``                  ``TokenStore`` (keyring, in-memory fallback), ``AuthSession``, ``Tokens``.
- ``cancel.CancelToken``    cancel/pause, honoured within a second everywhere.
- ``limiter.BandwidthLimiter``, ``body`` (file streaming, hashing), ``multipart``,
  ``httperr`` (httpx outcome -> catalogue ``AppError``), ``models`` (result dataclasses;
  ``ServerConfig.check_accepts``: the server's accepted file types).

Threading: one ``BackendClient`` is shared by the job manager's worker threads (httpx's
client, the breakers, the budget and the token refresh are thread-safe); each job passes
its own ``CancelToken``, ``progress`` and ``on_attempt`` callbacks, which run on the
worker thread.
"""
