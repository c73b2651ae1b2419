"""gunicorn settings for ``make run`` and production (override with GUNICORN_* env)."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# Threads let one worker overlap database waits; connections persist per thread.
threads = int(os.environ.get("GUNICORN_THREADS", 2))
worker_class = "gthread"
timeout = 60
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
