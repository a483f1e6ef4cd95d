"""Fernet encryption of the stored bearer tokens."""
import pytest
from cryptography.fernet import Fernet

from provisioning.crypto import TokenUnreadable, token_decrypt, token_encrypt


def test_it_round_trips_and_never_stores_the_plain_token(settings):
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    stored = token_encrypt("bearer-xyz")
    assert "bearer-xyz" not in stored
    assert token_decrypt(stored) == "bearer-xyz"


def test_a_rotated_key_list_still_reads_old_tokens(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = old
    stored = token_encrypt("bearer-xyz")
    settings.FIELD_ENCRYPTION_KEY = f"{new},{old}"
    assert token_decrypt(stored) == "bearer-xyz"
    assert Fernet(new.encode()).decrypt(token_encrypt("t").encode()) == b"t"


def test_a_wrong_key_is_a_clear_error(settings):
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    stored = token_encrypt("bearer-xyz")
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(TokenUnreadable):
        token_decrypt(stored)


def test_without_a_key_it_derives_one_from_secret_key(settings):
    settings.FIELD_ENCRYPTION_KEY = ""
    stored = token_encrypt("bearer-xyz")
    assert token_decrypt(stored) == "bearer-xyz"
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    with pytest.raises(TokenUnreadable):
        token_decrypt(stored)
