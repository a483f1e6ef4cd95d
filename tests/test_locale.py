"""Japanese by default, English by the language switch; the API follows Accept-Language."""
import pytest


@pytest.mark.django_db
def test_pages_are_japanese_even_for_an_english_browser(client):
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "ログイン" in page.content.decode()


@pytest.mark.django_db
def test_the_language_switch_turns_pages_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    page = client.get("/login/")
    assert "Log in" in page.content.decode() and "ログイン" not in page.content.decode()
