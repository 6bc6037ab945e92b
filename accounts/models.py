"""Users log in with their email address; each keeps an address book."""

from collections.abc import Mapping

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower
from django.utils.translation import gettext, gettext_lazy

from accounts.countries import country_name, is_country
from core.card_guard import reject_card_number, reject_phone_card_number
from core.text import one_line


def email_normalize(email: str | None) -> str:
    """The one spelling of an email address Bazaar stores and compares: trimmed and
    lower-cased whole (the login is unique whatever the case it is typed in)."""
    return (email or "").strip().lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        return email_normalize(email)

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=email_normalize(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractUser):
    """A shopper or staff member; the email address is the login."""

    username = None
    first_name = None
    last_name = None
    full_name = models.CharField("full name", max_length=150, blank=True)
    email = models.EmailField("email address", unique=True)
    # The language the shopper picked in the footer: pages after login and every letter.
    language = models.CharField(
        max_length=10, choices=settings.LANGUAGES, default="en", db_default="en"
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = gettext_lazy("user")
        verbose_name_plural = gettext_lazy("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                violation_error_message=gettext_lazy("An account with this email already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


def validate_country(code: str) -> None:
    if not is_country(code):
        raise ValidationError(gettext("Choose a country."), code="invalid_country")


phone_validator = RegexValidator(
    r"^\+?[0-9 ()./-]{5,30}$",
    gettext_lazy("Enter a phone number using digits, spaces and + ( ) - only."),
    code="invalid_phone",
)


class PostalAddress(models.Model):
    """The fields of a postal address and their rules, the one definition of what an address
    is. Reused where an address is copied (orders, cards); ``postal_address_clean`` checks a
    typed address against these rules for forms and services alike."""

    FIELDS = ("full_name", "line1", "line2", "city", "region", "postal_code", "country", "phone")

    full_name = models.CharField(max_length=150, validators=[reject_card_number])
    line1 = models.CharField(
        gettext_lazy("address line 1"), max_length=200, validators=[reject_card_number]
    )
    line2 = models.CharField(
        gettext_lazy("address line 2"), max_length=200, blank=True, validators=[reject_card_number]
    )
    city = models.CharField(max_length=100, validators=[reject_card_number])
    region = models.CharField(
        gettext_lazy("state / region"), max_length=100, blank=True, validators=[reject_card_number]
    )
    postal_code = models.CharField(max_length=20)
    country = models.CharField(
        max_length=2,
        help_text=gettext_lazy("ISO 3166 country code, e.g. US"),
        validators=[validate_country],
    )
    phone = models.CharField(
        max_length=30, blank=True, validators=[phone_validator, reject_phone_card_number]
    )

    class Meta:
        abstract = True

    def as_lines(self) -> list[str]:
        """The address as printed on a parcel, one line per entry, name first."""
        return [self.full_name, *postal_address_lines(self)]

    def as_dict(self) -> dict[str, str]:
        """A plain copy, for snapshots that must not change when the book entry does."""
        return {name: getattr(self, name) for name in self.FIELDS}


class Address(PostalAddress):
    """A shipping address in a user's address book. The one used last is the default."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # NULLS LAST: never-used addresses sort after used ones on PostgreSQL too
        # (PostgreSQL puts NULLs first in descending order, SQLite last).
        ordering = [F("last_used_at").desc(nulls_last=True), "-created_at", "-id"]
        verbose_name_plural = gettext_lazy("addresses")

    def __str__(self) -> str:
        return ", ".join(self.as_lines())


def postal_address_lines(address) -> list[str]:
    """An address as printed on a parcel, without the name and phone: street lines, then
    "City, Region Postcode", then the country. The one address format of every page and
    letter; ``address`` is an Address (or a ShipTo) or a payment-address dict."""

    def part(name: str) -> str:
        value = address.get(name) if isinstance(address, dict) else getattr(address, name, "")
        return str(value or "").strip()

    town = ", ".join(p for p in (part("city"), part("region")) if p)
    town = " ".join(p for p in (town, part("postal_code")) if p)
    lines = [part("line1"), part("line2"), town, country_name(part("country"))]
    return [line for line in lines if line]


def postal_address_clean(address: Mapping[str, object] | PostalAddress | None) -> dict[str, str]:
    """The one address rule for forms and services: white space folded, the country code
    upper-cased, then every field checked as ``PostalAddress`` defines it (required,
    length, a known country, a phone number's characters, no card number in free text).
    Returns a plain dict with ``PostalAddress.FIELDS`` keys; raises ``ValidationError``
    keyed by field."""
    data = address.as_dict() if isinstance(address, PostalAddress) else dict(address or {})
    cleaned = {name: one_line(data.get(name)) for name in PostalAddress.FIELDS}
    cleaned["country"] = cleaned["country"].upper()
    others = [f.name for f in Address._meta.get_fields() if f.name not in PostalAddress.FIELDS]
    Address(**cleaned).clean_fields(exclude=others)
    return cleaned
