"""Screenshots of every main page, for the README: ``make screenshots``.

Builds a fresh SQLite demo database in a temporary folder (``migrate`` then
``seed_demo``), starts ``runserver`` on it, signs in through the login form
as the demo user each page is for, and saves a full-page PNG of each page at
desktop (1280×800) and phone (390×844) width to
``docs/screenshots/<page>-<desktop|phone>.png``. A page whose URL name does
not resolve (not built yet) is skipped with a note. Nothing touches ``var/``
(the ``make run`` database and broker queue).

Chromium is ``/usr/bin/chromium`` or ``$LEADCOURT_CHROMIUM`` (Debian's; see
TOOLCHAIN notes in tests/e2e/conftest.py).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("LEADCOURT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# Full pages, but long lists cut here: a few screens show the layout, and
# phone screenshots of a 50-row list would be tens of thousands of pixels tall.
MAX_HEIGHT = 2400


@dataclass(frozen=True)
class Shot:
    name: str  # file name stem
    url_name: str
    user: str | None  # demo username, None for the signed-out view
    arg: str | None = None  # which object the URL needs: "lead" or "case"


SHOTS = (
    Shot("login", "login", None),
    Shot("rep-inbox", "rep-inbox", "rep"),
    Shot("rep-accepted", "rep-worked", "rep"),
    Shot("lead", "lead-detail", "rep", arg="lead"),
    Shot("marketer-leads", "marketer-leads", "marketer"),
    Shot("lead-new", "lead-new", "marketer"),
    Shot("rejected-leads", "rejected-leads", "marketer"),
    Shot("campaigns", "campaigns", "marketer"),
    Shot("import", "lead-import", "marketer"),
    Shot("review-queue", "review-queue", "judge"),
    Shot("case", "case-detail", "judge", arg="case"),
    Shot("all-leads", "lead-list", "manager"),
    Shot("dashboards", "dashboards", "manager"),
    Shot("rulebook", "rulebook", "rep"),
    Shot("password-change", "password_change", "rep"),
    Shot("notification-preferences", "notification-preferences", "rep"),
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str) -> None:
    print("+ manage.py", " ".join(args), flush=True)
    # A fixed argument list from this file, no shell.
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def wait_until_up(url: str, server: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"screenshots: runserver exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own local server
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"screenshots: {url} did not answer within {seconds:.0f}s")


def resolve_urls(env: dict) -> dict[str, str]:
    """URL of each shot, from the demo database: the lead page shows the rep's
    lead with the richest story (a case, then the most touches), the case page
    the open case with the most statements. Runs before
    the browser starts (Playwright's event loop would upset the ORM)."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db.models import Count
    from django.urls import NoReverseMatch, reverse

    from adjudication.models import Case
    from leads.models import Lead

    lead = (
        Lead.objects.filter(assigned_rep__username="rep")
        .annotate(
            n_cases=Count("cases", distinct=True),
            n_touches=Count("touches", distinct=True),
            n_events=Count("events", distinct=True),
        )
        .order_by("-n_cases", "-n_touches", "-n_events", "pk")
        .first()
    )
    case = (
        Case.objects.filter(status="open")
        .annotate(n_statements=Count("statements"))
        .order_by("-n_statements", "kind", "pk")
        .first()
        or Case.objects.order_by("pk").first()
    )
    objects = {"lead": lead, "case": case}
    urls = {}
    for shot in SHOTS:
        args = []
        if shot.arg:
            if objects[shot.arg] is None:
                print(f"screenshots: skipping {shot.name}: the demo data has no {shot.arg}")
                continue
            args = [objects[shot.arg].pk]
        try:
            urls[shot.name] = reverse(shot.url_name, args=args)
        except NoReverseMatch:
            print(f"screenshots: skipping {shot.name}: URL name {shot.url_name!r} does not resolve yet")
    return urls


def demo_passwords() -> dict[str, str]:
    """Each demo user's password, as ``seed_demo`` sets it (after ``resolve_urls``
    has set Django up)."""
    from demo.management.commands.seed_demo import DEMO_USERS

    return {user.username: user.password for user in DEMO_USERS}


def log_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    # Signed in once the login form sends us on (at phone width the Log out
    # button sits behind the Menu button, so it is no sign).
    page.wait_for_url(lambda url: "/login/" not in url)


def take(browser, base: str, urls: dict[str, str], passwords: dict[str, str]) -> list[Path]:
    saved = []
    for width_name, viewport in VIEWPORTS.items():
        contexts = {}
        for shot in SHOTS:
            if shot.name not in urls:
                continue
            if shot.user not in contexts:
                context = browser.new_context(viewport=viewport, device_scale_factor=1)
                context.set_default_timeout(15_000)
                page = context.new_page()
                if shot.user:
                    log_in(page, base, shot.user, passwords[shot.user])
                contexts[shot.user] = (context, page)
            page = contexts[shot.user][1]
            response = page.goto(base + urls[shot.name], wait_until="networkidle")
            if response is None or response.status >= 400:
                status = response.status if response else "no response"
                print(f"screenshots: WARNING {shot.name} answered {status}")
            height = page.evaluate("document.documentElement.scrollHeight")
            path = OUT / f"{shot.name}-{width_name}.png"
            clip = {"x": 0, "y": 0, "width": viewport["width"], "height": min(height, MAX_HEIGHT)}
            page.screenshot(path=path, full_page=True, clip=clip, animations="disabled")
            saved.append(path)
            print(f"  {path.relative_to(ROOT)}  ({viewport['width']}×{clip['height']})")
        for context, _ in contexts.values():
            context.close()
    return saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db",
        type=Path,
        help="SQLite file to use instead of a throwaway one: seeded if missing, reused if not "
        "(quicker when retaking the pictures)",
    )
    options = parser.parse_args()
    if not os.access(CHROMIUM, os.X_OK):
        sys.exit(f"screenshots: needs Chromium at {CHROMIUM} (apt-get install chromium)")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="leadcourt-screenshots-") as tmp:
        db = options.db.resolve() if options.db else Path(tmp) / "demo.sqlite3"
        seeded = db.exists()
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{db}",
            # In-memory broker: nothing lands in var/celery-broker for make run's worker.
            "CELERY_BROKER_URL": "memory://",
            "DEBUG": "true",
            "DJANGO_SETTINGS_MODULE": "leadcourt.settings",
            "PYTHONUNBUFFERED": "1",
        }
        manage(env, "migrate", "--noinput", "-v", "0")
        if not seeded:
            manage(env, "seed_demo")  # also computes the dashboards' metric snapshots
        urls = resolve_urls(env)
        passwords = demo_passwords()

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_up(f"{base}/healthz", server)
            from playwright.sync_api import sync_playwright

            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                saved = take(browser, base, urls, passwords)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"screenshots: saved {len(saved)} PNGs in {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
