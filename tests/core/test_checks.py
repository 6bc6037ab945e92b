from django.core.checks import run_checks


def _site_url_warnings():
    return [m for m in run_checks(include_deployment_checks=True) if m.id == "bazaar.W001"]


def test_deploy_check_warns_when_site_url_is_not_https(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert len(_site_url_warnings()) == 1


def test_deploy_check_accepts_an_https_site_url(settings):
    settings.SITE_URL = "https://bazaar.example"
    assert _site_url_warnings() == []


# Production-like settings: what .ci/run checks too (every knob the test env turns off is
# left to its production default here).
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "check-deploy-only-7d1f0c9a5e3b8a2d6c4f1e0b9a8d7c6b5a4f3e2d1c0b9a8f7e6d",
    "SITE_URL": "https://bazaar.example",
    "ALLOWED_HOSTS": "bazaar.example",
}
TEST_ONLY_ENV = {
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "STATIC_MANIFEST",
    "CAPTCHA_TEST_MODE",
    "EMAIL_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests' conftest
}


def test_check_deploy_is_clean_at_warning_level_with_production_settings():
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k not in TEST_ONLY_ENV}
    env.update(PRODUCTION_ENV)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
