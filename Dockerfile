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
# Static files are collected at build time (WhiteNoise serves them); no secret is needed for it.
RUN DEBUG=true SECRET_KEY=build-only python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 --home-dir /app crewbase \
    && mkdir -p /app/data/media \
    && chown -R crewbase /app/data
ENV DJANGO_SETTINGS_MODULE=project.settings PYTHONUNBUFFERED=1
USER crewbase
EXPOSE 8000
CMD ["gunicorn", "project.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]
