"""Cards that keep themselves up to date: one reminder before a card expires, and the new
details an issuer sends for a card it reissued, applied with an activity line and a notice;
a removed card is never touched, and a gateway that can't report updates is skipped."""

from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from tests.factories import CardFactory, UserFactory
from wallet.gateways.base import PaymentGateway
from wallet.gateways.simulated import SimulatedGateway
from wallet.models import Card, WalletEvent
from wallet.services import (
    card_disable,
    card_expiry_reminders_send,
    card_remove,
    card_updates_apply,
)

pytestmark = pytest.mark.django_db

REISSUED_EXPIRY = "4000000000005506"
REISSUED_NUMBER = "4000000000005514"


@pytest.fixture
def on_commit_mail(django_capture_on_commit_callbacks, outbox):
    """Run the after-commit letters as the block exits, then hand over the outbox."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            result = call(*args, **kwargs)
        return result

    outbox.clear()
    return run


# -------------------------------------------------------------------- expiry reminders


def test_one_reminder_per_card_and_expiry(on_commit_mail, outbox):
    year = timezone.now().year + 1
    card = CardFactory(owner=UserFactory(), exp_month=12, exp_year=year)
    CardFactory(owner=UserFactory(), exp_month=12, exp_year=year + 2)  # far off: no letter

    with time_machine.travel(date(year, 11, 20)):
        assert on_commit_mail(card_expiry_reminders_send) == 0  # 41 days: not yet
    with time_machine.travel(date(year, 12, 5)):
        assert on_commit_mail(card_expiry_reminders_send) == 1
        assert on_commit_mail(card_expiry_reminders_send) == 0  # once only

    assert len(outbox) == 1
    letter = outbox[0]
    assert letter.to == [card.owner.email]
    assert "Your Visa •••• 4242 expires at the end of December" in letter.body
    assert "4242 4242" not in letter.body

    # The owner updates the expiry, and the new one comes round: a new reminder.
    Card.objects.filter(pk=card.pk).update(exp_year=year + 1)
    with time_machine.travel(date(year + 1, 12, 10)):
        assert on_commit_mail(card_expiry_reminders_send) == 1


def test_no_reminder_for_expired_removed_or_disabled_cards(on_commit_mail, outbox):
    year = timezone.now().year + 1
    removed = CardFactory(owner=UserFactory(), exp_month=12, exp_year=year)
    card_remove(card=removed)
    disabled = CardFactory(owner=UserFactory(), number="5555555555554444", exp_year=year)
    card_disable(card=disabled, by=UserFactory(is_staff=True), reason="Fraud report")
    CardFactory(owner=UserFactory(), number="378282246310005", exp_month=11, exp_year=year)
    outbox.clear()

    with time_machine.travel(date(year, 12, 5)):
        assert on_commit_mail(card_expiry_reminders_send) == 0
    assert outbox == []


def test_the_reminders_command_says_how_many(settings):
    out = StringIO()
    call_command("send_card_expiry_reminders", stdout=out)
    assert out.getvalue().strip() == "Sent 0 card expiry reminders."


# --------------------------------------------------------------- issuers' updates


def test_a_reissued_card_gets_its_new_expiry_once_with_an_activity_line_and_a_notice(
    on_commit_mail, outbox
):
    card = CardFactory(owner=UserFactory(), number=REISSUED_EXPIRY)
    year = card.exp_year

    report = on_commit_mail(card_updates_apply)
    again = on_commit_mail(card_updates_apply)

    card.refresh_from_db()
    assert [c.pk for c in report.applied] == [card.pk] and again.applied == []
    assert (card.exp_month, card.exp_year, card.last4) == (12, year + 3, "5506")
    event = WalletEvent.objects.get(kind=WalletEvent.Kind.CARD_REISSUED)
    assert event.get_kind_display() == "Card updated by your bank"
    assert event.message == (
        f"Card updated by your bank: Visa •••• 5506 now expires 12/{(year + 3) % 100:02d}."
    )
    assert [m.subject for m in outbox] == ["Your bank updated a card in your Bazaar wallet"]


def test_a_card_reissued_with_a_new_number_takes_its_new_last_four(on_commit_mail):
    card = CardFactory(owner=UserFactory(), number=REISSUED_NUMBER)
    old_fingerprint = card.fingerprint

    on_commit_mail(card_updates_apply)

    card.refresh_from_db()
    assert card.last4 == "5522" and card.fingerprint != old_fingerprint
    assert "replaced by Visa •••• 5522" in WalletEvent.objects.get(kind="card_reissued").message


def test_a_removed_card_is_never_changed(on_commit_mail):
    card = CardFactory(owner=UserFactory(), number=REISSUED_EXPIRY)
    card_remove(card=card)
    year = card.exp_year

    report = on_commit_mail(card_updates_apply)

    card.refresh_from_db()
    assert report.applied == [] and card.exp_year == year
    assert not WalletEvent.objects.filter(kind="card_reissued").exists()


class NoUpdaterGateway(SimulatedGateway):
    supports_card_updates = False


def test_a_gateway_that_cannot_report_updates_is_skipped(settings):
    settings.PAYMENT_GATEWAY = f"{__name__}.NoUpdaterGateway"
    CardFactory(owner=UserFactory(), number=REISSUED_EXPIRY)
    out = StringIO()

    call_command("update_cards_from_issuers", stdout=out)

    assert "Skipped: NoUpdaterGateway can't report card updates." in out.getvalue()
    assert not WalletEvent.objects.filter(kind="card_reissued").exists()


def test_the_base_gateway_says_it_cannot_report_card_updates():
    assert PaymentGateway.supports_card_updates is False
    with pytest.raises(NotImplementedError):
        PaymentGateway.card_updates(object.__new__(_MinimalGateway), tokens=[])


class _MinimalGateway(PaymentGateway):
    """Only what the interface demands, to check its defaults."""

    tokenize = charge = confirm_authentication = cancel_charge = retrieve_charge = None
    list_charges = refund = retrieve_refund = delete_token = None
