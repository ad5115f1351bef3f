# Meldpunt container image (docs/DEPLOYMENT.md). One image, three roles chosen by the command:
#   api      N API processes (uvicorn --workers; MELDPUNT_API_PROCESSES, default one per core on PostgreSQL) on port 8000
#   timers   one timer worker (`meldpunt timers run`); run several containers for M workers
#   brieven  one letter worker (`meldpunt brieven run`): renders the letters of committed steps
#   migrate  `meldpunt db upgrade` and `meldpunt processes deploy`, then exit (run before api and timers)
# Production (MELDPUNT_PRODUCTION=true below): no role starts without MELDPUNT_BASE_URL, the https address reporters
# and staff reach Meldpunt on (letters and e-mails link there).
# Build: docker build -t meldpunt:latest .

# --- front-end packages (htmx, bpmn-js, Swagger UI, NL Design System CSS, axe-core) from the npm registry, pinned by the lock file
FROM node:20-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts

# --- Python dependencies in a virtual environment; the application itself stays a source tree in /app
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY api ./api
COPY cli ./cli
COPY documents ./documents
COPY engine ./engine
COPY web ./web
COPY bench ./bench
COPY processes ./processes
COPY deploy ./deploy
RUN /opt/venv/bin/pip install -c /app/constraints.txt -e /app

# --- the image: no compilers, no npm, not root
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    MELDPUNT_LOG_JSON=true \
    MELDPUNT_PRODUCTION=true \
    MELDPUNT_TIMERS_IN_SERVER=false \
    MELDPUNT_API_PROCESSES=0 \
    PROMETHEUS_MULTIPROC_DIR=/run/meldpunt/metrics \
    MELDPUNT_AUDIT_CHECKPOINT_FILE=/var/lib/meldpunt/audit-checkpoints.jsonl
RUN groupadd --system --gid 10001 meldpunt \
 && useradd --system --uid 10001 --gid meldpunt --home-dir /app --shell /usr/sbin/nologin meldpunt \
 && mkdir -p /run/meldpunt/metrics /var/lib/meldpunt \
 && chown -R meldpunt:meldpunt /run/meldpunt /var/lib/meldpunt
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
COPY --from=assets /assets/node_modules /app/node_modules
WORKDIR /app
# The code is owned by root and read-only for the application; it writes only to /run/meldpunt (metrics of its
# processes) and /var/lib/meldpunt (the signed audit checkpoints; mount a volume there).
USER meldpunt:meldpunt
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/api/v1/gereed', timeout=4).status != 200)" || exit 1
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["api"]
