"""Countries for address forms and pages: ISO 3166-1 codes and names from django-countries
(kept up to date upstream, names in the active language)."""

from django_countries import countries

DEFAULT_COUNTRY = "US"


def country_choices() -> list[tuple[str, str]]:
    """``(code, name)`` for every country, sorted by name in the active language."""
    return [(country.code, country.name) for country in countries]


def is_country(code: str) -> bool:
    return bool(code) and code.upper() in countries


def country_name(code: str) -> str:
    """The country's name in the active language, or the code itself when it is not a
    known ISO code."""
    return countries.name((code or "").upper()) or code or ""
