"""Password reset by e-mail: the login page links to it, the mail carries a
working one-time link built from SITE_URL, and the new password is set."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import authenticate
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase 2 remember"


def reset_link_path(message, site_url: str) -> str:
    links = re.findall(r"https?://\S+", message.body)
    assert len(links) == 1, message.body
    assert links[0].startswith(site_url + "/")
    return links[0].removeprefix(site_url)


def test_the_login_page_links_to_the_password_reset(client):
    page = client.get(reverse("login")).content.decode()

    assert f'href="{reverse("password_reset")}"' in page


def test_a_reset_mail_carries_a_link_that_sets_the_new_password_once(client, rep, settings):
    settings.SITE_URL = "https://leads.example.com"

    response = client.post(reverse("password_reset"), {"email": "rep@example.com"})

    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rep@example.com"]
    assert message.subject == "Your LeadCourt password reset link"
    link = reset_link_path(message, "https://leads.example.com")
    # Built from SITE_URL, never from the request's Host header.
    assert "testserver" not in message.body

    form_url = client.get(link)  # Django swaps the token for a session and redirects
    assert form_url.status_code == 302
    form = client.get(form_url.url)
    assert form.status_code == 200
    assert "Choose a new password" in form.content.decode()
    done = client.post(form_url.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done.status_code == 302
    assert done.url == reverse("password_reset_complete")
    assert authenticate(username="rep", password=NEW_PASSWORD) == rep
    assert authenticate(username="rep", password="correct horse battery staple") is None
    # The link worked once.
    used = client.get(link, follow=True)
    assert "This link does not work any more" in used.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, rep):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_a_weak_new_password_is_refused_next_to_the_field(client, rep, settings):
    settings.SITE_URL = "https://leads.example.com"
    client.post(reverse("password_reset"), {"email": "rep@example.com"})
    link = reset_link_path(mail.outbox[0], "https://leads.example.com")
    form_url = client.get(link).url

    response = client.post(form_url, {"new_password1": "password", "new_password2": "password"})

    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    rep.refresh_from_db()
    assert rep.check_password("correct horse battery staple")
