from django.core.checks import run_checks


def _site_url_warnings():
    return [m for m in run_checks(include_deployment_checks=True) if m.id == "bazaar.W001"]


def test_deploy_check_warns_when_site_url_is_not_https(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert len(_site_url_warnings()) == 1


def test_deploy_check_accepts_an_https_site_url(settings):
    settings.SITE_URL = "https://bazaar.example"
    assert _site_url_warnings() == []
