"""The reference backend: the API contract (docs/api-contract.md) as a real server.

    embedded.py    start_embedded_server(): a thread on a free loopback port (GUI, tests)
    cli.py         `python main.py serve` (its options: commands/serve.py)
    server.py      uvicorn set-up; protocol.py: JSON errors for bad HTTP, transport access,
                   the header timeout; connections.py: connection caps, overall and per address
    app.py         routes -> handlers; middleware.py: request ids, Host check, error shape,
                   metrics, faults; hosts.py: the public URL and the names the server answers to
    auth.py        scrypt passwords, tokens with expiry and refresh; signin_limits.py: 429 after
                   failed sign-ins per name and per address
    videos.py      sessions, videos, multipart upload, the tus finish step
    tus.py         tus 1.0.0 over HTTP (creation, creation-with-upload, checksum, termination,
                   expiration); locks.py: one request per upload at a time
    uploadstore.py the upload-store interface (as tusd's DataStore); filestore.py: rows in
                   SQLite, bytes in files, chunk checksums and the running sha256
    multipart.py   streaming multipart; bodies.py: JSON bodies and the hashing disk sink
    idempotency.py the Idempotency-Key guard; store.py: SQLite; processing.py: background check
    metrics.py     /metrics and the adaptive retry policy; faults.py: scripted faults

Nothing here imports Qt.
"""
