FROM python:3.13-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY negotiations ./negotiations
COPY sessions ./sessions
COPY agreements ./agreements
RUN pip install --no-cache-dir .
COPY . .
RUN useradd --system --home /app verbatim && mkdir -p /app/var && chown verbatim /app/var
USER verbatim
EXPOSE 8000
CMD ["uvicorn", "config.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--workers", "4"]
