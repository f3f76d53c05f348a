# polyscan: one process (scanner, Discord bot, Telegram bot, HTTP /health and /metrics).
#   docker build -t polyscan .
#   docker run --env-file .env -p 127.0.0.1:8080:8080 -v polyscan-data:/data polyscan
# Without POLYSCAN_DATABASE_URL it keeps an SQLite file in /data (mount a volume there).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
# every dependency ships wheels for linux amd64/arm64: no compiler in the image
COPY pyproject.toml README.md ./
COPY scanner_core ./scanner_core
COPY db ./db
COPY bot ./bot
RUN pip install ".[sentry]" && rm -rf /src

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin polyscan \
    && mkdir /data && chown polyscan:polyscan /data
USER polyscan
WORKDIR /data
VOLUME ["/data"]

ENV POLYSCAN_HTTP_HOST=0.0.0.0 \
    POLYSCAN_HTTP_PORT=8080 \
    POLYSCAN_LOG_FORMAT=json
EXPOSE 8080

# slim images have no curl: ask /health/live with the standard library
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/health/live', timeout=4)"]

ENTRYPOINT ["polyscan"]
CMD ["run"]
