"""What `polyscan run` runs, in start order (stopped in reverse): built from Settings."""

from __future__ import annotations

from typing import Any

from bot.admin import ChatAdminNotifier
from bot.app import Polyscan
from bot.bots import ChatBots, delivery_notifiers
from bot.components import PipelineComponent, ServicesComponent, SourcesComponent
from bot.delivery import DeliveryConfig, Dispatcher
from bot.funding import FundingComponent
from bot.webhooks import build_webhooks
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


def add_components(app: Polyscan) -> None:
    s = app.settings
    bus = AlertBus(queue_size=s.pipeline_queue_size)
    app.extras["bus"] = bus
    app.components.append(ErrorCounter())  # first: counts every later component's errors
    app.components.append(SourcesComponent(app))
    app.components.append(ServicesComponent(app))
    app.components.append(FundingComponent(app, bus))  # before the pipeline and the commands, which use it
    app.components.append(PipelineComponent(app, bus))
    app.components.append(ChatComponent(app, bus))
    app.components.append(walletscan_component(app, bus))
    app.components.append(OperationsComponent(app))


def walletscan_component(app: Polyscan, bus: AlertBus) -> WalletScanComponent:
    """The copy-target classifier; the scheduler drives its rescans of recently seen wallets."""
    s = app.settings

    async def publish_target(alert: Alert) -> None:  # the pipeline's path: stored once, then published
        for stored in await app.repos.alerts.save_alerts([alert]):
            bus.publish(stored)

    def build() -> WalletScanRunner:  # called in start(): the wallet service exists by then
        runner = WalletScanRunner.from_settings(
            s,
            app.extras["wallet_service"],
            app.repos.classifications,
            seen=app.repos.trades,
            on_alert=publish_target,
            clock=app.clock,
        )
        app.extras["walletscan"] = runner
        return runner

    return WalletScanComponent(build, every_seconds=0, clock=app.clock)


class ChatComponent:
    """The command service, both bots (when their tokens are set) and the delivery outbox."""

    name = "chat"

    def __init__(self, app: Polyscan, bus: AlertBus) -> None:
        self.app = app
        self.bus = bus
        self.parts: list[Any] = []

    async def start(self) -> None:
        app, s = self.app, self.app.settings
        service = CommandService(
            stores=app.repos,
            markets=app.extras["market_service"],
            wallets=app.extras["wallet_service"],
            classifications=ClassificationReader(app.repos),
            settings=s,
            clock=app.clock,
            started_at=app.started_at,
            feed=app.extras.get("feed"),
            funding=app.extras.get("funding_service"),
        )
        worker = app.extras.get("funding_worker")
        if worker is not None:
            service.on_follow = worker.follow
        bots = ChatBots(s, app.health, service)
        notifiers = delivery_notifiers(bots)  # the console notifier when no token is set
        admin = ChatAdminNotifier.from_settings(s, notifiers)
        webhooks = build_webhooks(s, app.repos.webhooks, clock=app.clock, admin=admin, health=app.health)
        dispatcher = Dispatcher(
            app.repos,
            self.bus,
            [*notifiers, webhooks],
            config=DeliveryConfig.from_settings(s),
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
        app.extras.update(
            command_service=service, bots=bots, dispatcher=dispatcher, admin_notifier=admin, webhooks=webhooks
        )
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

    def __init__(self, app: Polyscan) -> None:
        self.app = app
        self.scheduler: Scheduler | None = None

    async def start(self) -> None:
        app, s = self.app, self.app.settings
        sentry = init_sentry(s.sentry_dsn.get_secret_value() if s.sentry_dsn else None, release=__version__)
        alerter = SystemAlerter(
            Thresholds.from_settings(s),
            observe=lambda: app.monitor().observe(),
            notifier=app.extras.get("admin_notifier"),
            clock=app.clock,
            sentry=sentry,
        )
        snapshots = MetricSnapshots(app.repos.metrics, clock=app.clock, backlog=app.repos.deliveries)
        app.extras["snapshots"] = snapshots
        wallets, markets = app.extras.get("wallet_service"), app.extras.get("market_service")
        jobs = build_jobs(
            s,
            clock=app.clock,
            stores=app.repos,
            check_system=alerter.check,
            write_snapshot=snapshots.write,
            refresh_wallet=wallets.get_profile if wallets else None,
            refresh_market=markets.get_market if markets else None,
            rescan_wallets=app.extras["walletscan"].rescan_recent if "walletscan" in app.extras else None,
        )
        self.scheduler = Scheduler(jobs)
        await self.scheduler.start()

    async def stop(self) -> None:
        if self.scheduler is not None:
            await self.scheduler.stop()
