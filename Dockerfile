# Production image: PostgreSQL via HUB_DATABASE_URL, several uvicorn workers, non-root.
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml constraints.txt README.md NOTICE ./
COPY hub hub
COPY schema schema
COPY loaders loaders
# The versions `make test` ran with (constraints.txt, written by `make lock`).
RUN pip install --no-cache-dir --prefix=/install -c constraints.txt .

FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HUB_ENV=production \
    HUB_HOST=0.0.0.0 \
    HUB_PORT=8000 \
    HUB_WORKERS=4
COPY --from=build /install /usr/local
RUN useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin hub
USER hub
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"HUB_PORT\", \"8000\")}/readyz', timeout=2)" || exit 1
# Migrations run once per start (Alembic takes a lock-free, idempotent path when current);
# with several replicas, set HUB_AUTO_MIGRATE=false and run `hub db upgrade` as a release step.
CMD ["hub", "serve"]
