"""What `polyscan run` runs, in start order (stopped in reverse): built from Settings.

Each component is handed the components it uses (typed), never a shared dictionary: the engine
(bot/scanner.py) first, then what stands on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.admin import ChatAdminNotifier
from bot.app import Polyscan
from bot.bots import ChatBots, delivery_notifiers
from bot.components import PipelineComponent, ScannerComponent
from bot.delivery import DeliveryConfig, Dispatcher
from bot.funding import FundingComponent
from bot.webhooks import WebhookNotifier, build_webhooks
from scanner_core import __version__
from scanner_core.alerter import SystemAlerter, Thresholds, init_sentry
from scanner_core.bus import AlertBus
from scanner_core.commands import CommandService
from scanner_core.jobs import Scheduler, build_jobs
from scanner_core.models import Alert
from scanner_core.monitoring import ErrorCounter, MetricSnapshots
from scanner_core.wallets.classifier.component import WalletScanComponent
from scanner_core.wallets.classifier.lookup import ClassificationReader
from scanner_core.wallets.classifier.runner import WalletScanRunner


@dataclass(frozen=True, slots=True)
class Process:
    """The components `polyscan run` starts, by name and type (tests and the dashboard reach the
    running parts through them)."""

    engine: ScannerComponent
    funding: FundingComponent
    pipeline: PipelineComponent
    chat: ChatComponent
    walletscan: WalletScanComponent
    operations: OperationsComponent


def add_components(app: Polyscan) -> Process:
    bus = AlertBus(queue_size=app.settings.pipeline_queue_size)
    engine = ScannerComponent(app, bus)
    funding = FundingComponent(app, engine, bus)  # before the pipeline and the commands, which use it
    pipeline = PipelineComponent(app, engine)
    chat = ChatComponent(app, engine, funding, bus)
    walletscan = walletscan_component(app, engine, bus)
    operations = OperationsComponent(app, engine, chat, walletscan)
    process = Process(engine, funding, pipeline, chat, walletscan, operations)
    app.components.append(ErrorCounter())  # first: counts every later component's errors
    app.components.extend((engine, funding, pipeline, chat, walletscan, operations))
    return process


def walletscan_component(app: Polyscan, engine: ScannerComponent, bus: AlertBus) -> WalletScanComponent:
    """The copy-target classifier; the scheduler drives its rescans of recently seen wallets."""

    async def publish_target(alert: Alert) -> None:  # the pipeline's path: stored once, then published
        for stored in await app.repos.alerts.save_alerts([alert]):
            bus.publish(stored)

    def build() -> WalletScanRunner:  # called in start(): the wallet service exists by then
        return WalletScanRunner.from_settings(
            app.settings,
            engine.scanner.wallets,
            app.repos.classifications,
            seen=app.repos.trades,
            on_alert=publish_target,
            clock=app.clock,
        )

    return WalletScanComponent(build)


class ChatComponent:
    """The command service, both bots (when their tokens are set), the webhooks and the outbox."""

    name = "chat"

    def __init__(self, app: Polyscan, engine: ScannerComponent, funding: FundingComponent, bus: AlertBus) -> None:
        self.app = app
        self.engine = engine
        self.funding = funding
        self.bus = bus
        self.parts: list[Any] = []
        self.service: CommandService | None = None
        self.bots: ChatBots | None = None
        self.admin: ChatAdminNotifier | None = None
        self.webhooks: WebhookNotifier | None = None
        self.dispatcher: Dispatcher | None = None

    async def start(self) -> None:
        app, s, scanner = self.app, self.app.settings, self.engine.scanner
        assert scanner.markets is not None, "the process runs online"
        service = CommandService(
            stores=app.repos,
            markets=scanner.markets,
            wallets=scanner.wallets,
            classifications=ClassificationReader(app.repos),
            settings=s,
            clock=app.clock,
            started_at=app.started_at,
            feed=app.feed,
            funding=scanner.funding,
        )
        if self.funding.worker is not None:
            service.on_follow = self.funding.worker.follow
        bots = ChatBots(s, app.health, service)
        notifiers = delivery_notifiers(bots)  # the console notifier when no token is set
        admin = ChatAdminNotifier.from_settings(s, notifiers)
        webhooks = build_webhooks(s, app.repos.webhooks, clock=app.clock, admin=admin, health=app.health)
        dispatcher = Dispatcher(
            app.repos,
            self.bus,
            [*notifiers, webhooks],
            config=DeliveryConfig.from_settings(s, s),
            clock=app.clock,
            health=app.health,
            admin=admin,
            console=not bots.configured,
        )

        def changed() -> None:  # subscriptions, rules or webhooks changed: both read them afresh
            dispatcher.invalidate_routing()
            webhooks.invalidate()

        service.on_change = changed
        service.webhook_tester = webhooks
        self.service, self.bots, self.admin, self.webhooks, self.dispatcher = service, bots, admin, webhooks, dispatcher
        # stopped in reverse: the outbox finishes before the bots close and the webhooks' session ends
        for part in (bots, webhooks, dispatcher):
            await part.start()
            self.parts.append(part)

    async def stop(self) -> None:
        while self.parts:
            await self.parts.pop().stop()


class OperationsComponent:
    """The system alerter, metric snapshots and the scheduled jobs (built once services exist)."""

    name = "operations"

    def __init__(
        self, app: Polyscan, engine: ScannerComponent, chat: ChatComponent, walletscan: WalletScanComponent
    ) -> None:
        self.app = app
        self.engine = engine
        self.chat = chat
        self.walletscan = walletscan
        self.scheduler: Scheduler | None = None
        self.snapshots: MetricSnapshots | None = None

    async def start(self) -> None:
        app, s, scanner = self.app, self.app.settings, self.engine.scanner
        sentry = init_sentry(s.sentry_dsn.get_secret_value() if s.sentry_dsn else None, release=__version__)
        alerter = SystemAlerter(
            Thresholds.from_settings(s),
            observe=lambda: app.monitor().observe(),
            notifier=self.chat.admin,
            clock=app.clock,
            sentry=sentry,
        )
        self.snapshots = MetricSnapshots(app.repos.metrics, clock=app.clock, backlog=app.repos.deliveries)
        jobs = build_jobs(
            s,
            clock=app.clock,
            stores=app.repos,
            check_system=alerter.check,
            write_snapshot=self.snapshots.write,
            refresh_wallet=scanner.wallets.get_profile,
            refresh_market=scanner.markets.get_market if scanner.markets is not None else None,
            rescan_wallets=self.walletscan.rescan,
        )
        self.scheduler = Scheduler(jobs)
        await self.scheduler.start()

    async def stop(self) -> None:
        if self.scheduler is not None:
            await self.scheduler.stop()
