"""Project wiring. The Celery app (config/celery.py) is not imported here, as Celery's Django guide
has it, but by what sends a job (sessions/tasks.py, exports/tasks.py, negotiations/tasks.py) and by
/healthz when it asks a worker: a web process starts without Celery, kombu and what they import
(about 8 MB of its memory, docs/PERFORMANCE.md). ``celery -A config`` finds ``config.celery.app``.
"""
