FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=factcheck.settings.production

WORKDIR /app
# The service's own requirements only: tests, fuzzers and linters stay out of the image.
COPY requirements/base.txt requirements/base.txt
RUN pip install --no-cache-dir -r requirements/base.txt

COPY . .
# collectstatic only reads settings; the real secret comes at run time. Production
# settings refuse a made-up key, so the build uses a random one it then forgets.
RUN DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    python manage.py collectstatic --noinput

RUN useradd --create-home factcheck
USER factcheck
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn factcheck.wsgi:application --bind 0.0.0.0:8000 --workers ${GUNICORN_WORKERS:-2} --threads ${GUNICORN_THREADS:-4} --access-logfile -"]
