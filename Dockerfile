# One image for every Crewbase process (web, workers, beat); docker-compose.yml picks the command.
FROM python:3.11-slim-bookworm
# WeasyPrint (report and paperwork PDFs) needs Pango and HarfBuzz, and a font.
RUN apt-get update && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Static files are collected at build time into WhiteNoise's hashed manifest, as production
# (DEBUG=false) reads them; the keys this needs are throwaway ones, kept nowhere.
RUN DEBUG=false \
    SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    FIELD_ENCRYPTION_KEY="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
    python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 --create-home --home-dir /home/crewbase crewbase \
    && mkdir -p /app/data/media \
    && chown -R crewbase /app/data
# A writable home: gunicorn's control socket and Fontconfig's cache (WeasyPrint) live there.
ENV DJANGO_SETTINGS_MODULE=project.settings PYTHONUNBUFFERED=1 HOME=/home/crewbase
USER crewbase
EXPOSE 8000
CMD ["gunicorn", "project.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]
