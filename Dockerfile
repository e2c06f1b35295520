FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DEBUG=true SECRET_KEY=build-only python manage.py collectstatic --noinput
ENV DJANGO_SETTINGS_MODULE=project.settings PYTHONUNBUFFERED=1
EXPOSE 8000
CMD ["gunicorn", "project.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
