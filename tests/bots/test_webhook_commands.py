"""/webhook through the CommandService on the real database: who may, what is refused and why, the
options (the /settings, /follow and /mute parsers), the secret shown once and kept encrypted, scopes,
re-adding, removing and resuming."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest

from db.models import WebhookRow
from db.repositories import Repositories
from scanner_core.commands import CommandService, ServiceError, UserRef
from scanner_core.config import Settings
from scanner_core.models import Alert, Delivery, DeliveryStatus, DestinationKind, Platform, Severity
from scanner_core.presentation import plain_text, result_view
from scanner_core.webhooks import PingOutcome, SecretBox, Webhook, WebhookFormat
from tests.bots.support import CONDITION, DC_ADMIN, DC_MEMBER, OTHER_WALLET, T0, TG_GROUP_MEMBER, TG_USER, WALLET
from tests.bots.support import trade_alert as make_alert
from tests.conftest import FakeClock

KEY = "test-webhook-key-" * 3
ADMIN_CHAT = 999
ADMIN_CHANNEL = 888
TG_ADMIN = UserRef(Platform.TELEGRAM, "7", "-100123", None, True)
TG_OTHER_GROUP_ADMIN = UserRef(Platform.TELEGRAM, "8", "-100456", None, True)
TG_IN_ADMIN_CHAT = UserRef(Platform.TELEGRAM, "5", str(ADMIN_CHAT), None, False)
DC_IN_DM = UserRef(Platform.DISCORD, "1001", "55", None, True)
DC_IN_ADMIN_CHANNEL = UserRef(Platform.DISCORD, "1003", str(ADMIN_CHANNEL), "4004", True)
URL = "https://example.com/polyscan/abc123?token=s3cr3t"


@pytest.fixture
def webhook_settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(webhook_key=KEY, telegram_admin_chat_id=ADMIN_CHAT, discord_admin_channel_id=ADMIN_CHANNEL)


@pytest.fixture
def service(
    db: str,
    webhook_settings: Settings,
    clock: FakeClock,
    make_service: Callable[[Settings, FakeClock], CommandService],
) -> CommandService:
    return make_service(webhook_settings, clock)


def text_of(result: object) -> str:
    return plain_text(result_view(result))  # type: ignore[arg-type]


async def test_an_admin_adds_a_webhook_and_sees_its_secret_once(service: CommandService, repos: Repositories) -> None:
    options = "format=slack severity=high min_size=25k kinds=trade categories=us politics,crypto max_per_hour=50"

    created = await service.webhook_add(TG_ADMIN, URL, options)

    assert created.secret.startswith("whsec_") and created.secret not in repr(created)
    shown = text_of(created)
    assert created.secret in shown and "shown only this once" in shown
    [entry] = created.entries
    webhook, sub = entry.webhook, entry.subscription
    assert webhook.url_display == "https://example.com/…" and webhook.payload_format is WebhookFormat.SLACK
    assert webhook.scope == "telegram:-100123" and webhook.created_by == "telegram:7"
    assert sub is not None and (sub.destination_kind, sub.destination_id) == (DestinationKind.WEBHOOK, str(webhook.id))
    f = sub.filters
    assert f.min_severity is Severity.HIGH and f.min_usd == Decimal(25000) and f.kinds == {"trade"}
    assert f.categories_in == {"us politics", "crypto"} and sub.max_per_hour == 50 and sub.active

    listed = await service.webhook_list(TG_ADMIN)
    listing = text_of(listed)
    assert listed.secret == "" and created.secret not in listing
    assert "abc123" not in listing and "s3cr3t" not in listing and "#1 https://example.com/… · slack" in listing
    assert "severity ≥ high · min $25k · kinds trade" in listing

    row = await WebhookRow.get(id=webhook.id)  # at rest: neither the secret nor the URL in clear
    assert created.secret not in row.secret_sealed and "abc123" not in row.url_sealed
    box = SecretBox(KEY)
    assert box.open(row.secret_sealed) == created.secret and box.open(row.url_sealed) == URL


async def test_follow_and_mute_options_resolve_like_the_commands(service: CommandService) -> None:
    created = await service.webhook_add(
        TG_ADMIN, URL, f"follow=PPMT mute={CONDITION},{OTHER_WALLET} followed_only=yes min_confidence=60%"
    )

    sub = created.entries[0].subscription
    assert sub is not None
    assert sub.filters.follow_wallets == {WALLET} and sub.filters.followed_only
    assert sub.filters.mute_markets == {CONDITION} and sub.filters.mute_wallets == {OTHER_WALLET}
    assert sub.filters.min_confidence == 0.6


@pytest.mark.parametrize(
    ("user", "reply"),
    [
        (TG_GROUP_MEMBER, "Only this group's admins can manage its webhooks."),
        (TG_USER, "Webhooks are managed in a group, by its admins, or in the admin chat."),
        (DC_MEMBER, "You need the Manage Server permission to manage webhooks."),
        (DC_IN_DM, "/webhook works in a Discord server channel."),
    ],
)
async def test_only_admins_may_manage_webhooks(
    service: CommandService, repos: Repositories, user: UserRef, reply: str
) -> None:
    for call in (
        service.webhook_add(user, URL),
        service.webhook_list(user),
        service.webhook_remove(user, "1"),
        service.webhook_test(user, "1"),
        service.webhook_resume(user, "1"),
    ):
        with pytest.raises(ServiceError) as refused:
            await call
        assert refused.value.user_message == reply
    assert await repos.webhooks.listed(None) == []


@pytest.mark.parametrize(
    ("url", "reply"),
    [
        (
            "file:///etc/passwd",
            "Only http:// and https:// URLs can receive webhooks, not file:// ('file:///etc/passwd').",
        ),
        ("https://", "'https://' has no host: write it like https://example.com/polyscan."),
        ("https://example.com:99999/x", "'https://example.com:99999/x' has a malformed host or port."),
        ("not a url", "A webhook URL cannot contain spaces or control characters."),
        ("http://192.168.1.20/hook", "192.168.1.20 is a local or private address"),
    ],
)
async def test_a_url_that_cannot_receive_webhooks_is_refused_and_nothing_stored(
    service: CommandService, repos: Repositories, url: str, reply: str
) -> None:
    with pytest.raises(ServiceError) as refused:
        await service.webhook_add(TG_ADMIN, url)

    assert refused.value.user_message.startswith(reply)
    assert await repos.webhooks.listed(None) == [] and await repos.subscriptions.all() == []


@pytest.mark.parametrize(
    ("options", "reply"),
    [
        ("colour=red", "'colour' is not a webhook option: use format, min_size, min_confidence"),
        ("severity=huge", "'huge' is not a severity"),
        ("min_size=lots", "'lots' is not a USD amount"),
        ("max_per_hour=0", "max_per_hour takes 1-1000, not 0"),
        ("format=xml", "'xml' is not a payload format: use one of generic, slack."),
        ("followed_only=yes", "followed_only=yes needs wallets to follow"),
        ("followed_only=maybe", "followed_only takes yes or no"),
        ("follow=0x123", "is not a wallet address"),
        ("kinds=telepathy", "Unknown kind 'telepathy'"),
        ("high", "'high' is not an option: write options as name=value"),
    ],
)
async def test_bad_options_get_the_settings_wording_and_store_nothing(
    service: CommandService, repos: Repositories, options: str, reply: str
) -> None:
    with pytest.raises(ServiceError) as refused:
        await service.webhook_add(TG_ADMIN, URL, options)

    assert reply in refused.value.user_message
    assert await repos.webhooks.listed(None) == []


async def test_without_the_key_adding_is_refused_with_a_clear_message(
    db: str,
    repos: Repositories,
    clock: FakeClock,
    make_settings: Callable[..., Settings],
    make_service: Callable[[Settings, FakeClock], CommandService],
) -> None:
    service = make_service(make_settings(), clock)

    with pytest.raises(ServiceError, match="the operator must set POLYSCAN_WEBHOOK_KEY"):
        await service.webhook_add(TG_ADMIN, URL)
    assert await repos.webhooks.listed(None) == []


async def test_adding_a_url_again_replaces_its_options_and_resumes_it(
    service: CommandService, repos: Repositories, clock: FakeClock
) -> None:
    first = await service.webhook_add(TG_ADMIN, URL, "severity=high")
    webhook_id = first.entries[0].webhook.id
    assert await repos.webhooks.pause(
        webhook_id, "30 failures in a row (HTTP 500)", clock(), clock() + timedelta(days=9)
    )

    again = await service.webhook_add(TG_ADMIN, f"  {URL} ", "format=slack min_size=1k")

    assert again.secret == "" and "its secret is unchanged" in again.note.lower() and "resumed" in again.note
    [entry] = again.entries
    assert entry.webhook.id == webhook_id and not entry.webhook.paused
    assert entry.webhook.payload_format is WebhookFormat.SLACK
    assert entry.subscription is not None and entry.subscription.filters.min_severity is Severity.INFO
    assert entry.subscription.filters.min_usd == Decimal(1000)
    assert len(await repos.webhooks.listed(None)) == 1


async def test_each_chat_sees_its_own_webhooks_and_the_admin_chat_sees_all(service: CommandService) -> None:
    mine = (await service.webhook_add(TG_ADMIN, URL)).entries[0].webhook
    theirs = (await service.webhook_add(TG_OTHER_GROUP_ADMIN, URL)).entries[0].webhook  # same URL, own webhook
    discord = (await service.webhook_add(DC_ADMIN, "https://example.org/x")).entries[0].webhook

    assert [e.webhook.id for e in (await service.webhook_list(TG_ADMIN)).entries] == [mine.id]
    assert [e.webhook.id for e in (await service.webhook_list(DC_ADMIN)).entries] == [discord.id]
    with pytest.raises(ServiceError, match=f"There is no webhook #{theirs.id} here"):
        await service.webhook_remove(TG_ADMIN, str(theirs.id))
    everything = await service.webhook_list(TG_IN_ADMIN_CHAT)
    assert [e.webhook.id for e in everything.entries] == [mine.id, theirs.id, discord.id]
    assert "added in telegram:-100456" in text_of(everything)
    assert [e.webhook.id for e in (await service.webhook_list(DC_IN_ADMIN_CHANNEL)).entries] == [
        mine.id,
        theirs.id,
        discord.id,
    ]
    removed = await service.webhook_remove(TG_IN_ADMIN_CHAT, f"#{theirs.id}")
    assert f"Webhook #{theirs.id} removed" in removed.note


async def test_removing_forgets_the_url_and_secret_and_ends_its_deliveries(
    service: CommandService, repos: Repositories, clock: FakeClock
) -> None:
    webhook = (await service.webhook_add(TG_ADMIN, URL)).entries[0].webhook
    alert = await stored_alert(repos)
    await repos.deliveries.enqueue([Delivery(alert.id or 0, DestinationKind.WEBHOOK, str(webhook.id))], clock())

    removed = await service.webhook_remove(TG_ADMIN, str(webhook.id))

    assert (
        removed.note
        == f"Webhook #{webhook.id} removed: its URL and secret are forgotten; 1 undelivered alert(s) dropped."
    )
    assert removed.entries == () and "No webhooks here yet" in text_of(removed)
    row = await WebhookRow.get(id=webhook.id)
    assert row.url_sealed == "" and row.secret_sealed == "" and row.removed_at is not None
    assert await repos.subscriptions.get(DestinationKind.WEBHOOK, str(webhook.id)) is None
    [delivery] = await repos.deliveries.all_for_alert(alert.id or 0)
    assert delivery.status is DeliveryStatus.DEAD
    newer = (await service.webhook_add(TG_ADMIN, URL)).entries[0].webhook
    assert newer.id > webhook.id  # ids are never reused: old outbox rows cannot reach a new receiver
    with pytest.raises(ServiceError, match=f"There is no webhook #{webhook.id} here"):
        await service.webhook_test(TG_ADMIN, str(webhook.id))


async def test_resuming_releases_the_parked_deliveries(
    service: CommandService, repos: Repositories, clock: FakeClock
) -> None:
    webhook = (await service.webhook_add(TG_ADMIN, URL)).entries[0].webhook
    assert (await service.webhook_resume(TG_ADMIN, str(webhook.id))).note == f"Webhook #{webhook.id} is not paused."
    alert = await stored_alert(repos)
    await repos.deliveries.enqueue([Delivery(alert.id or 0, DestinationKind.WEBHOOK, str(webhook.id))], clock())
    assert await repos.webhooks.pause(
        webhook.id, "3 failures in a row (HTTP 500)", clock(), clock() + timedelta(days=99)
    )
    assert not await repos.webhooks.pause(webhook.id, "again", clock(), clock())  # paused once only
    assert await repos.deliveries.due(Platform.WEBHOOK, clock()) == []  # parked
    assert "⏸ paused: 3 failures in a row (HTTP 500)" in text_of(await service.webhook_list(TG_ADMIN))

    resumed = await service.webhook_resume(TG_ADMIN, str(webhook.id))

    assert resumed.note == f"Webhook #{webhook.id} resumed: 1 waiting alert(s) go out now."
    assert not resumed.entries[0].webhook.paused
    assert [d.alert_id for d in await repos.deliveries.due(Platform.WEBHOOK, clock())] == [alert.id]


async def test_the_test_subcommand_reports_the_receivers_answer(service: CommandService) -> None:
    webhook = (await service.webhook_add(TG_ADMIN, URL)).entries[0].webhook
    with pytest.raises(ServiceError, match="Webhooks are not running in this process"):
        await service.webhook_test(TG_ADMIN, str(webhook.id))

    class Tester:
        def __init__(self, outcome: PingOutcome) -> None:
            self.outcome = outcome
            self.asked: list[Webhook] = []

        async def send_test(self, w: Webhook) -> PingOutcome:
            self.asked.append(w)
            return self.outcome

    service.webhook_tester = Tester(PingOutcome(True, 200, "HTTP 200", 12.4))
    ok = await service.webhook_test(TG_ADMIN, str(webhook.id))
    assert ok.note == f"Test payload delivered to webhook #{webhook.id}: HTTP 200 in 12 ms."
    service.webhook_tester = Tester(PingOutcome(False, 500, "HTTP 500 Internal Server Error", 3.0))
    failed = await service.webhook_test(TG_ADMIN, str(webhook.id))
    assert failed.note == f"Test payload to webhook #{webhook.id} failed: HTTP 500 Internal Server Error."
    with pytest.raises(ServiceError, match="is not a whole number"):
        await service.webhook_test(TG_ADMIN, "first")


def test_help_says_who_may_use_webhook_on_each_platform(service: CommandService) -> None:
    telegram = plain_text(result_view(service.help(Platform.TELEGRAM, "webhook")))
    discord = plain_text(result_view(service.help(Platform.DISCORD, "webhook")))

    assert "/webhook add <url> [options]" in telegram and "For group admins, and the admin chat." in telegram
    assert "Needs the Manage Server permission." in discord


async def stored_alert(repos: Repositories) -> Alert:
    alert, _ = await repos.alerts.save_alert(make_alert(1, at=T0))
    return alert
