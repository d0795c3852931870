FROM python:3.13-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# Fonts for every script the record accepts: the PDF's font chain (exports/pdftext.py, docs/PDF.md)
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji fonts-hanazono \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY config ./config
COPY negotiations ./negotiations
COPY sessions ./sessions
COPY agreements ./agreements
COPY exports ./exports
COPY accounts ./accounts
RUN pip install --no-cache-dir .
COPY . .
RUN useradd --system --home /app verbatim && mkdir -p /app/var && chown verbatim /app/var
USER verbatim
EXPOSE 8000
# On SIGTERM open live streams end at once (clients reconnect elsewhere); whatever is still running
# after 5 s is cancelled, so a stop or a rolling deploy never waits for long-lived connections.
# One uvicorn process per core (docs/PERFORMANCE.md: more processes than cores only add context
# switches and connections); WEB_CONCURRENCY overrides it. Give DATABASE_URL a per-process pool,
# e.g. postgres://…/verbatim?pool_size=10, as docker-compose.yml does.
CMD ["sh", "-c", "exec uvicorn config.asgi:application --http config.http:HttpProtocol --host 0.0.0.0 --port 8000 --workers \"${WEB_CONCURRENCY:-$(nproc)}\" --timeout-graceful-shutdown 5"]
