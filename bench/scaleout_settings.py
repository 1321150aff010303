"""Settings of the scale-out bench's gunicorn: the app's, with the bench's
URLconf (bench/scaleout_urls.py marks the proposed list pages)."""

from leadcourt.settings import *  # noqa: F403 - the app's settings, one thing changed

ROOT_URLCONF = "scaleout_urls"
