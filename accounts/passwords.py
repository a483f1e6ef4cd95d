"""Password strength: Django's validators plus the account's settings
(パスワード強度設定), enforced on every path that sets a password."""
import string

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def password_validate(password: str, *, user) -> None:
    """Raise ValidationError listing every rule `password` breaks."""
    errors: list[ValidationError] = []
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors.extend(exc.error_list)
    if user is not None and user.account_id:
        from .selectors import policy_get

        errors.extend(_policy_errors(password, policy_get(account=user.account)))
    if errors:
        raise ValidationError(errors)


def _policy_errors(password: str, policy) -> list[ValidationError]:
    errors = []
    if len(password) < policy.password_min_length:
        errors.append(ValidationError(
            _("The password needs at least %(n)d characters."),
            params={"n": policy.password_min_length}, code="policy_length"))
    rules = [
        (policy.require_upper, string.ascii_uppercase, _("an upper-case letter")),
        (policy.require_lower, string.ascii_lowercase, _("a lower-case letter")),
        (policy.require_digit, string.digits, _("a digit")),
        (policy.require_symbol, string.punctuation, _("a symbol")),
    ]
    for required, chars, what in rules:
        if required and not any(c in chars for c in password):
            errors.append(ValidationError(_("The password needs %(what)s."),
                                          params={"what": what}, code="policy_class"))
    return errors
