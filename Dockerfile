FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DOSSIER_CONFIG=/app/feeds.yaml DOSSIER_DB=/data/dossier.db

RUN useradd --create-home --uid 10001 dossier && mkdir /data && chown dossier /data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
RUN pip install --no-cache-dir .
COPY feeds.yaml ./

USER dossier
VOLUME ["/data"]
ENTRYPOINT ["dossier"]
CMD ["run"]
