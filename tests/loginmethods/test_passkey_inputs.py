"""Bad input to the passkey endpoints answers a clear 4xx naming what was
wrong, and another user's passkey answers like an unknown one."""
import json

import pytest
from django_otp_webauthn.models import WebAuthnCredential

from audit.models import LoginHistory
from loginmethods.models import Attachment, PasskeyInfo

pytestmark = pytest.mark.django_db


@pytest.fixture
def bobs_passkey(bob):
    credential = WebAuthnCredential.objects.create(
        user=bob, name="key", credential_id=b"\x01" * 16, public_key=b"\x02" * 32,
        sign_count=0, transports=["internal"], confirmed=True)
    PasskeyInfo.objects.create(credential=credential, attachment=Attachment.PLATFORM)
    return credential


def test_sign_in_endpoints_refuse_bad_bodies(client):
    assert client.get("/login/passkey/begin/").status_code == 405
    for body in ("not json", "[]", json.dumps({"credential": "x"})):
        answer = client.post("/login/passkey/complete/", body,
                             content_type="application/json")
        assert answer.status_code == 400
        assert answer.json()["parameter"] == "credential"
    # A well-formed but unknown assertion: refused, and nobody to name in the history.
    forged = {"credential": {"id": "AQ", "rawId": "AQ", "type": "public-key",
                             "response": {"clientDataJSON": "e30", "authenticatorData": "AA",
                                          "signature": "AA"}}}
    answer = client.post("/login/passkey/complete/", json.dumps(forged),
                         content_type="application/json")
    assert answer.status_code == 403 and "error" in answer.json()
    assert not LoginHistory.objects.exists()


def test_registration_needs_a_session_and_a_started_ceremony(client, bob):
    assert client.post("/me/passkeys/register/begin/").status_code == 302  # to the login
    client.force_login(bob)
    answer = client.post("/me/passkeys/register/complete/",
                         json.dumps({"credential": {"id": "AQ"}}),
                         content_type="application/json")
    assert answer.status_code == 400 and answer.json()["parameter"] == "credential"
    options = client.post("/me/passkeys/register/begin/").json()
    assert options["rp"]["id"] == "testserver"
    assert options["authenticatorSelection"]["residentKey"] == "required"


def test_another_users_passkey_answers_like_an_unknown_one(client, alice, bobs_passkey):
    client.force_login(alice)
    for action in ("rename", "delete"):
        answer = client.post("/me/passkeys/", {"action": action, "pk": bobs_passkey.pk,
                                               "name": "mine"})
        assert answer.status_code == 404
    assert client.post("/me/passkeys/", {"action": "delete", "pk": "x"}).status_code == 404
    bobs_passkey.refresh_from_db()
    assert bobs_passkey.name == "key"


def test_rename_refuses_an_empty_name_beside_the_field(client, bob, bobs_passkey):
    client.force_login(bob)
    answer = client.post("/me/passkeys/", {"action": "rename", "pk": bobs_passkey.pk,
                                           "name": ""})
    assert answer.status_code == 400 and "errorlist" in answer.content.decode()
    assert "端末内蔵" in answer.content.decode()


def test_login_page_offers_passkey_and_forgot_password_in_both_languages(client):
    page = client.get("/login/").content.decode()
    assert "パスキーでログイン" in page and "パスワードをお忘れの方" in page
    assert 'src="/static/loginmethods/passkeys.js"' in page and "onclick" not in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    page = client.get("/login/").content.decode()
    assert "Sign in with a passkey" in page and "Forgot your password?" in page
