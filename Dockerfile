# LeadCourt application image: one image for the web (gunicorn), worker,
# beat and migrate services of docker-compose.yml; the command picks the role.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .

# Static files are collected into the image (served by WhiteNoise). Settings
# need a SECRET_KEY to load with DEBUG off; this throwaway value is used for
# this build step only and never at run time. Then the unprivileged user gets
# var/, the only folder the app writes to.
RUN DEBUG=false SECRET_KEY=collectstatic-build-step-only-not-a-real-key ALLOWED_HOSTS=localhost \
        python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin leadcourt \
    && mkdir -p var/media \
    && chown -R leadcourt:leadcourt var

USER leadcourt

EXPOSE 8000
CMD ["gunicorn", "leadcourt.wsgi", "-w", "2", "-b", "0.0.0.0:8000"]
