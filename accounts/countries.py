"""Countries for address forms and pages: ISO 3166-1 codes and names from django-countries
(kept up to date upstream, names in the active language)."""

from django.core.signals import setting_changed
from django.utils.translation import get_language
from django_countries import countries

DEFAULT_COUNTRY = "US"

# Names by (code, language): django-countries translates a name on every call (~20 µs),
# and pages name a country on every address and seller group. The names are translated
# literals, which only a deploy changes; forgotten when a setting changes (tests).
_names: dict[tuple[str, str | None], str] = {}
# The choices by language, made once each (sorting ~250 translated names, on every page
# with an address form).
_choices: dict[str | None, tuple[tuple[str, str], ...]] = {}


def country_choices() -> tuple[tuple[str, str], ...]:
    """``(code, name)`` for every country, sorted by name in the active language."""
    language = get_language()
    try:
        return _choices[language]
    except KeyError:
        made = tuple((country.code, str(country.name)) for country in countries)
        return _choices.setdefault(language, made)


def is_country(code: str) -> bool:
    return bool(code) and code.upper() in countries


def country_name(code: str) -> str:
    """The country's name in the active language, or the code itself when it is not a
    known ISO code."""
    key = (code, get_language())
    try:
        return _names[key]
    except KeyError:
        pass
    name = countries.name((code or "").upper())
    if not name:
        return code or ""
    return _names.setdefault(key, name)


def _forget(**kwargs) -> None:
    _names.clear()
    _choices.clear()


setting_changed.connect(_forget, dispatch_uid="accounts.countries.forget")
