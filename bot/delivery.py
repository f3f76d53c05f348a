"""The outbox: alerts -> deliveries rows -> one sender per platform. Nothing is lost.

1. The router consumes the AlertBus (and, at start and every `catch_up_every` seconds, stored
   alerts whose `routed_at` is NULL: a crash before routing, or a full bus queue). It routes them
   with scanner_core.routing, writes the deliveries rows, and only then marks the alerts routed.
   Writing rows twice is harmless: (alert, destination) is unique.
2. One sender per platform claims due PENDING rows with a lease, sends each through its notifier
   under a per-platform token bucket, and marks it sent. A send and its "sent" mark run shielded,
   so stopping never cuts between them; a clean stop hands claims back at once.
   After a crash: a claim records its worker (`delivery_worker_name`, one per process sharing the
   outbox) and that worker's generation (counted up at every start), so a restarted worker takes
   back what its dead generation had claimed at once, while the claims of another live worker wait
   for their lease to run out. A message that was on the wire when the process died is sent again:
   each send carries a key derived from what it delivers (`send_key`: the alert and destination),
   which Discord enforces as a message nonce (the repeat is dropped); Telegram has no such key, so
   there that one message can arrive twice (at most one repeat per crash).
3. Failures: a rate limit pauses only that platform's bucket and retries the same delivery (no
   attempt spent); a transient error retries with exponential backoff until
   `delivery_max_attempts`; a dead destination (blocked, missing access) ends its pending and held
   deliveries, turns its subscription or channel rules off and tells the admin chat; a message the
   platform refuses fails alone; a `Deferred` destination (a webhook receiver that is down, answers
   429 or is paused) alone waits its time, spending no attempt. While a platform is not connected
   its sender waits: attempts are not spent on an outage.
4. Held deliveries (quiet hours, hourly cap) leave as one digest per destination when
   `deliver_due_digests(now)` finds them due: the dispatcher runs it every `digest_every` seconds
   (POLYSCAN_DIGEST_CHECK_SECONDS; None: only when called, as tests do).

Each platform's sender is its own task with its own bucket: Telegram's trouble never delays Discord.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import socket
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from bot.notifiers import AlertNotifier, Deferred, MessageRejected, Notifier, Outgoing
from db.repositories import LeaseOwner, Repositories
from scanner_core import routing
from scanner_core.bus import AlertBus
from scanner_core.bus import Subscription as BusSubscription
from scanner_core.config import DeliverySettings, WalletSettings
from scanner_core.health import HealthRegistry, State
from scanner_core.logs import get_logger
from scanner_core.metrics import DELIVERIES_FAILED, DELIVERIES_SENT, DELIVERY_BACKLOG
from scanner_core.models import (
    Alert,
    ChannelRule,
    Delivery,
    DeliveryStatus,
    DestinationKind,
    Platform,
    Subscription,
)
from scanner_core.ports import AdminNotifier, DeliveryError
from scanner_core.presentation import alert_view, digest_view
from scanner_core.routing import Destination, HoldReason, Load

log = get_logger("delivery")

Sleep = Callable[[float], Awaitable[None]]
CONSOLE_DESTINATION = Destination(DestinationKind.CONSOLE, "stdout")
ALERT_CACHE_SIZE = 2000


class TokenBucket:
    """`rate` sends per second with bursts up to `burst`; `pause` holds every send (a 429)."""

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate)
        self._tokens = self.burst
        self._monotonic = monotonic
        self._sleep = sleep
        self._updated = monotonic()
        self._paused_until = 0.0
        self.waited = 0.0  # seconds spent waiting on purpose (rate limits), for benches and tests

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    async def acquire(self) -> None:
        while True:
            now = self._monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            if now < self._paused_until:
                wait = self._paused_until - now
            elif self._tokens >= 1:
                self._tokens -= 1
                return
            else:
                wait = (1 - self._tokens) / self.rate
            self.waited += wait
            await self._sleep(wait)


@dataclass(frozen=True)
class DeliveryConfig:
    max_attempts: int = 8
    backoff_base: float = 2.0
    backoff_max: float = 300.0
    lease: timedelta = timedelta(minutes=2)
    claim_batch: int = 25
    idle_poll: float = 1.0  # a sender re-checks for due retries this often when nothing wakes it
    catch_up_every: float = 30.0
    digest_every: float | None = 60.0
    route_batch: int = 200
    routing_cache_seconds: float = 5.0  # upper bound on how stale cached subscriptions/rules may be
    rates: Mapping[Platform, float] = field(default_factory=dict)
    channel_max_per_hour: int = 30
    min_resolved: int = 10
    stop_timeout: float = 10.0
    worker_name: str = ""  # this process among those sharing the outbox; empty = the host name

    @classmethod
    def from_settings(cls, settings: DeliverySettings, wallets: WalletSettings, **overrides: Any) -> DeliveryConfig:
        base = cls(
            max_attempts=settings.delivery_max_attempts,
            backoff_max=settings.delivery_backoff_max_seconds,
            rates={
                Platform.TELEGRAM: settings.telegram_rate_per_second,
                Platform.DISCORD: settings.discord_rate_per_second,
                Platform.CONSOLE: 1000.0,
                Platform.WEBHOOK: settings.webhook_rate_per_second,
            },
            channel_max_per_hour=settings.default_max_alerts_per_hour,
            min_resolved=wallets.wallet_min_resolved_positions,
            digest_every=settings.digest_check_seconds,
            worker_name=settings.delivery_worker_name,
        )
        return replace(base, **overrides)

    def backoff(self, attempts: int) -> float:
        return float(min(self.backoff_max, self.backoff_base * 2 ** max(0, attempts - 1)))

    def resolved_worker_name(self) -> str:
        return (self.worker_name or socket.gethostname() or "polyscan")[:64]


def send_key(*identity: str) -> str:
    """The idempotency key of one send (24 characters: Discord nonces take at most 25). The same
    message to the same destination always gets the same key (alert dedup keys, not row ids, so
    it holds across databases too), and a send repeated after a crash is recognised."""
    return hashlib.blake2b("\x1f".join(identity).encode(), digest_size=12).hexdigest()


@dataclass(frozen=True)
class DigestJob:
    destination: Destination
    deliveries: tuple[Delivery, ...]
    reason: HoldReason


class _Sender:
    """One platform's worker: claims due deliveries and sends them, one at a time."""

    def __init__(self, dispatcher: Dispatcher, notifier: Notifier, bucket: TokenBucket) -> None:
        self.d = dispatcher
        self.notifier = notifier
        self.platform = notifier.platform
        # webhooks send the alerts themselves (JSON), not only their view
        self.alert_notifier = notifier if isinstance(notifier, AlertNotifier) else None
        self.bucket = bucket
        self.wake = asyncio.Event()
        self.digests: asyncio.Queue[DigestJob] = asyncio.Queue(maxsize=10_000)
        self.digests_in_flight: set[Destination] = set()
        self.claimed: set[int] = set()
        self.inflight: set[asyncio.Task[Any]] = set()

    async def run(self) -> None:
        while True:
            try:
                await self._step()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database hiccuped: keep the sender alive, try again shortly
                log.exception("sender_step_failed", platform=self.platform.value)
                await self.d.sleep(self.d.config.idle_poll)

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.d.config.idle_poll):
                await self.wake.wait()

    async def _step(self) -> None:
        if not self.notifier.ready:
            await self.d.sleep(min(self.d.config.idle_poll, 0.5))
            return
        self.wake.clear()
        if not self.digests.empty():
            await self._digest(self.digests.get_nowait())
            return
        batch = await self.d.repos.deliveries.claim(
            self.platform, self.d.clock(), self.d.config.lease, limit=self.d.config.claim_batch, owner=self.d.owner
        )
        if not batch:
            await self._idle()
            return
        self.claimed.update(d.id for d in batch if d.id is not None)
        alerts = await self.d.alerts_for(d.alert_id for d in batch)
        dead: set[Destination] = set()
        for delivery in batch:
            destination = Destination(delivery.destination_kind, delivery.destination_id)
            alert = alerts.get(delivery.alert_id)
            if alert is None:
                await self.d.repos.deliveries.mark_status([_id(delivery)], DeliveryStatus.FAILED, "alert gone")
            elif destination not in dead and self.notifier.ready:
                if not await self._deliver(delivery, destination, alert):
                    dead.add(destination)
            elif destination not in dead:
                continue  # the platform dropped mid-batch: handed back below
            self.claimed.discard(_id(delivery))
        if self.claimed:  # hand back at once what the platform dropping left unsent
            await self.d.repos.deliveries.release(list(self.claimed), self.d.clock())
            self.claimed.clear()
        await self.d.update_backlog()

    async def _deliver(self, delivery: Delivery, destination: Destination, alert: Alert) -> bool:
        """Send one delivery until it is sent, given up or rescheduled; False when the destination died."""
        while True:
            await self.bucket.acquire()
            view = alert_view(alert, self.d.clock(), min_resolved=self.d.config.min_resolved)
            key = send_key(alert.dedup_key, destination.kind.value, destination.id)
            outcome = await self._shielded(self._attempt(delivery, destination, view, alert, key))
            if isinstance(outcome, float):
                self.bucket.pause(outcome)
                continue
            return outcome

    async def _shielded(self, work: Awaitable[Any]) -> Any:
        task = asyncio.ensure_future(work)
        self.inflight.add(task)
        task.add_done_callback(self.inflight.discard)
        return await asyncio.shield(task)

    async def _send(
        self, destination: Destination, view: Any, outgoing: Outgoing, key: str, mention_role_id: str | None = None
    ) -> None:
        if self.alert_notifier is not None:
            await self.alert_notifier.send_outgoing(destination, view, outgoing)
        else:
            await self.notifier.send_view(destination, view, mention_role_id=mention_role_id, idempotency_key=key)

    async def _attempt(
        self, delivery: Delivery, destination: Destination, view: Any, alert: Alert, key: str
    ) -> bool | float:
        """True: sent (or given up); False: destination dead; float: rate limited, retry after it."""
        repos = self.d.repos
        try:
            await self._send(destination, view, Outgoing((alert,), (_id(delivery),)), key, delivery.mention_role_id)
        except DeliveryError as exc:
            return await self._failed(delivery, destination, exc)
        except Exception as exc:  # a notifier bug must not stop the sender: count it as transient
            log.exception("notifier_error", platform=self.platform.value, delivery_id=delivery.id)
            return await self._failed(delivery, destination, DeliveryError(f"{type(exc).__name__}: {exc}"))
        await repos.deliveries.mark_sent([_id(delivery)], self.d.clock())
        DELIVERIES_SENT.labels(platform=self.platform.value).inc()
        return True

    async def _failed(self, delivery: Delivery, destination: Destination, exc: DeliveryError) -> bool | float:
        repos = self.d.repos
        now = self.d.clock()
        text = str(exc)
        if isinstance(exc, Deferred):  # this destination alone waits; no attempt spent
            if exc.seconds is not None:
                next_at = now + timedelta(seconds=exc.seconds)
                await repos.deliveries.mark_retry(_id(delivery), delivery.attempts, next_at, text)
            return True
        if exc.retry_after is not None:
            DELIVERIES_FAILED.labels(platform=self.platform.value, reason="rate_limited").inc()
            wait = max(0.0, exc.retry_after)
            lease = timedelta(seconds=wait) + self.d.config.lease  # keep it ours while we wait
            await repos.deliveries.mark_retry(_id(delivery), delivery.attempts, now + lease, text, keep_claim=True)
            log.info("rate_limited", platform=self.platform.value, retry_after=wait)
            return wait
        if exc.permanent:
            DELIVERIES_FAILED.labels(platform=self.platform.value, reason="dead").inc()
            await self.d.destination_dead(destination, text)
            return False
        if isinstance(exc, MessageRejected):
            DELIVERIES_FAILED.labels(platform=self.platform.value, reason="rejected").inc()
            await repos.deliveries.mark_status([_id(delivery)], DeliveryStatus.FAILED, text)
            log.error("message_rejected", platform=self.platform.value, alert_id=delivery.alert_id, error=text)
            self.d.tell_admin(f"A {self.platform.value} message for alert #{delivery.alert_id} was refused: {text}")
            return True
        attempts = delivery.attempts + 1
        DELIVERIES_FAILED.labels(platform=self.platform.value, reason="transient").inc()
        if attempts >= self.d.config.max_attempts:
            await repos.deliveries.mark_status([_id(delivery)], DeliveryStatus.FAILED, text)
            log.error("delivery_gave_up", platform=self.platform.value, delivery_id=delivery.id, error=text)
            self.d.tell_admin(
                f"Gave up on alert #{delivery.alert_id} for {destination.kind.value} {destination.id} "
                f"after {attempts} attempts: {text}"
            )
            return True
        delay = self.d.config.backoff(attempts)
        await repos.deliveries.mark_retry(_id(delivery), attempts, now + timedelta(seconds=delay), text)
        log.warning("delivery_retry", platform=self.platform.value, attempts=attempts, delay=delay, error=text)
        return True

    async def _digest(self, job: DigestJob) -> None:
        try:
            alerts = await self.d.alerts_for(d.alert_id for d in job.deliveries)
            ordered = [alerts[d.alert_id] for d in job.deliveries if d.alert_id in alerts]
            ids = [_id(d) for d in job.deliveries]
            if not ordered:  # the alerts were pruned meanwhile: nothing left to tell
                await self.d.repos.deliveries.mark_status(ids, DeliveryStatus.FAILED, "alert gone")
            while ordered:
                await self.bucket.acquire()
                view = digest_view(ordered, job.reason, self.d.clock())
                key = send_key(
                    "digest", job.destination.kind.value, job.destination.id, *(a.dedup_key for a in ordered)
                )
                outgoing = Outgoing(tuple(ordered), tuple(ids), job.reason)
                outcome = await self._shielded(self._send_digest(job, view, outgoing, key))
                if isinstance(outcome, float):
                    self.bucket.pause(outcome)
                    continue
                break
        finally:
            self.digests_in_flight.discard(job.destination)

    async def _send_digest(self, job: DigestJob, view: Any, outgoing: Outgoing, key: str) -> float | None:
        repos = self.d.repos
        ids = list(outgoing.delivery_ids)
        try:
            await self._send(job.destination, view, outgoing, key)
        except DeliveryError as exc:
            if exc.retry_after is not None:
                return max(0.0, exc.retry_after)
            if exc.permanent:
                await self.d.destination_dead(job.destination, str(exc))
            elif isinstance(exc, MessageRejected):
                await repos.deliveries.mark_status(ids, DeliveryStatus.FAILED, str(exc))
            else:  # transient: the rows stay HELD and the next digest run tries again
                log.warning("digest_retry_later", platform=self.platform.value, error=str(exc))
            return None
        await repos.deliveries.mark_sent(ids, self.d.clock(), DeliveryStatus.DIGESTED)
        DELIVERIES_SENT.labels(platform=self.platform.value).inc()
        return None


def _id(delivery: Delivery) -> int:
    assert delivery.id is not None, "deliveries from the outbox have ids"
    return delivery.id


class Dispatcher:
    """Lifecycle component "delivery": the router plus one sender per configured platform."""

    name = "delivery"

    def __init__(
        self,
        repos: Repositories,
        bus: AlertBus,
        notifiers: Sequence[Notifier],
        *,
        config: DeliveryConfig,
        clock: Callable[[], datetime],
        health: HealthRegistry | None = None,
        admin: AdminNotifier | None = None,
        console: bool = False,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.repos = repos
        self.bus = bus
        self.config = config
        self.clock = clock
        self.health = health
        self.admin = admin
        self.console = console
        self.sleep = sleep
        self.senders: dict[Platform, _Sender] = {}
        for notifier in notifiers:
            rate = config.rates.get(notifier.platform, 25.0)
            bucket = TokenBucket(rate, monotonic=monotonic, sleep=sleep)
            self.senders[notifier.platform] = _Sender(self, notifier, bucket)
        self._alerts: OrderedDict[int, Alert] = OrderedDict()
        self._tasks: list[asyncio.Task[Any]] = []
        self._background: set[asyncio.Task[Any]] = set()
        self._bus_sub: BusSubscription | None = None
        self._policy = routing.Policy(channel_max_per_hour=config.channel_max_per_hour)
        self._backlog_at = 0.0
        self._monotonic = monotonic
        self._inputs: tuple[list[Subscription], list[ChannelRule]] | None = None
        self._inputs_at = 0.0
        self.owner: LeaseOwner | None = None  # this worker and generation, once started

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        await self._take_back_dead_claims()
        self._bus_sub = self.bus.subscribe("delivery")
        self._tasks.append(asyncio.create_task(self._route_loop(self._bus_sub), name="delivery-router"))
        for platform, sender in self.senders.items():
            self._tasks.append(asyncio.create_task(sender.run(), name=f"delivery-{platform.value}"))
        if self.config.digest_every is not None:
            self._tasks.append(asyncio.create_task(self._digest_loop(self.config.digest_every), name="digests"))
        self._health(State.OK, f"senders: {', '.join(p.value for p in self.senders) or 'none'}")

    async def _take_back_dead_claims(self) -> None:
        """Start a new generation of this worker and make what the previous one claimed (and a
        crash left leased) due at once, instead of after the lease."""
        name = self.config.resolved_worker_name()
        try:
            self.owner = await self.repos.deliveries.start_worker(name, self.clock())
            taken = await self.repos.deliveries.reclaim(self.owner, self.clock())
        except Exception:  # the outbox still works: claims stay unowned and wait for their lease
            log.exception("delivery_worker_start_failed", worker=name)
            self.owner = None
            return
        log.info("delivery_worker_started", worker=name, generation=self.owner.generation, reclaimed=taken)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            # bounded: a task that swallowed its cancellation must not hang the shutdown
            done, pending = await asyncio.wait(self._tasks, timeout=self.config.stop_timeout)
            for task in done:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    task.result()
            if pending:
                log.warning("dispatcher_tasks_did_not_stop", tasks=[t.get_name() for t in pending])
        self._tasks.clear()
        inflight = [t for s in self.senders.values() for t in s.inflight]
        if inflight:  # a send already on the wire finishes and is marked, so it is not repeated
            await asyncio.wait(inflight, timeout=self.config.stop_timeout)
        for sender in self.senders.values():
            if sender.claimed:
                with contextlib.suppress(Exception):
                    await self.repos.deliveries.release(list(sender.claimed), self.clock())
                sender.claimed.clear()
        if self._background:
            await asyncio.wait(self._background, timeout=self.config.stop_timeout)
        if self._bus_sub is not None:
            self.bus.unsubscribe(self._bus_sub)
            self._bus_sub = None

    # -- routing ---------------------------------------------------------------------------------

    async def _route_loop(self, sub: BusSubscription) -> None:
        await self._guarded(self.route_pending())
        while True:
            try:
                async with asyncio.timeout(self.config.catch_up_every):
                    first = await sub.queue.get()
            except TimeoutError:
                await self._guarded(self.route_pending())
                continue
            batch = [first]
            while len(batch) < self.config.route_batch and not sub.queue.empty():
                batch.append(sub.queue.get_nowait())
            await self._guarded(self.route_alerts(batch))
            if sub.dropped:
                sub.dropped = 0
                await self._guarded(self.route_pending())

    async def _guarded(self, work: Awaitable[Any]) -> None:
        try:
            await work
            self._health(State.OK, "routing")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the alerts stay unrouted in the database; catch-up retries them
            log.exception("routing_failed")
            self._health(State.DEGRADED, f"routing failed: {type(exc).__name__}")
            await self.sleep(1.0)

    async def route_pending(self) -> int:
        """Route stored alerts that never got their deliveries (crash, full bus queue)."""
        total = 0
        while True:
            alerts = await self.repos.alerts.unrouted(limit=self.config.route_batch)
            if not alerts:
                return total
            await self.route_alerts(alerts)
            total += len(alerts)

    async def route_alerts(self, alerts: Sequence[Alert]) -> list[Delivery]:
        """Write the deliveries of stored alerts, then mark them routed; wake the senders."""
        stored = [a for a in alerts if a.id is not None]
        if not stored:
            return []
        now = self.clock()
        subscriptions, rules = await self._routing_inputs()
        loads = await self._loads(now)
        deliveries, _ = routing.route_many(stored, subscriptions, rules, loads, now, self._policy)
        await self.repos.deliveries.enqueue(deliveries, now)
        await self.repos.alerts.mark_routed([a.id for a in stored if a.id is not None], now)
        for alert in stored:
            self._remember(alert)
        for platform in {d.destination_kind.platform for d in deliveries if d.status is DeliveryStatus.PENDING}:
            self.senders[platform].wake.set()
        await self.update_backlog()
        return deliveries

    async def _subscriptions(self, *, active_only: bool) -> list[Subscription]:
        rows = await (self.repos.subscriptions.active() if active_only else self.repos.subscriptions.all())
        subs = [s for s in rows if s.platform in self.senders]
        if self.console and Platform.CONSOLE in self.senders:
            subs.append(
                Subscription(
                    id=None,
                    destination_kind=CONSOLE_DESTINATION.kind,
                    destination_id=CONSOLE_DESTINATION.id,
                    max_per_hour=10_000,
                )
            )
        return subs

    async def _loads(self, now: datetime) -> dict[Destination, Load]:
        loads = await self.repos.deliveries.destination_loads(now - timedelta(hours=1))
        return {Destination(k, i): Load(n, held) for (k, i), (n, held) in loads.items()}

    async def _routing_inputs(self) -> tuple[list[Subscription], list[ChannelRule]]:
        """Active subscriptions and channel rules, cached: `invalidate_routing` (the command service
        calls it on every change) or `routing_cache_seconds` refresh them."""
        now = self._monotonic()
        if self._inputs is None or now - self._inputs_at > self.config.routing_cache_seconds:
            subscriptions = await self._subscriptions(active_only=True)
            rules = await self.repos.channel_rules.all() if Platform.DISCORD in self.senders else []
            self._inputs, self._inputs_at = (subscriptions, rules), now
        return self._inputs

    def invalidate_routing(self) -> None:
        """Subscriptions or channel rules changed: the next alert reads them afresh."""
        self._inputs = None

    # -- digests ---------------------------------------------------------------------------------

    async def _digest_loop(self, every: float) -> None:
        while True:
            await self.sleep(every)
            try:
                await self.deliver_due_digests()
                await self.update_backlog()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("digest_run_failed")

    async def deliver_due_digests(self, now: datetime | None = None) -> int:
        """Queue one digest per destination whose held deliveries are due; returns how many."""
        now = now or self.clock()
        held = [Destination(k, i) for k, i in await self.repos.deliveries.destinations_with_held()]
        held = [d for d in held if d.kind.platform in self.senders]
        if not held:
            return 0
        subs = {Destination.of(s): s for s in await self._subscriptions(active_only=False)}
        plan = routing.plan_digests(held, subs, await self._loads(now), now, self._policy)
        for dest in plan.cancelled:
            ids = [_id(d) for d in await self.repos.deliveries.held(dest.kind, dest.id)]
            await self.repos.deliveries.mark_status(ids, DeliveryStatus.FAILED, "unsubscribed before the digest")
        queued = 0
        for dest in plan.due:
            sender = self.senders[dest.kind.platform]
            if dest in sender.digests_in_flight:
                continue
            deliveries = tuple(await self.repos.deliveries.held(dest.kind, dest.id))
            if not deliveries:
                continue
            created = deliveries[0].created_at or now
            reason = routing.hold_reason(subs.get(dest), created)
            sender.digests_in_flight.add(dest)
            sender.digests.put_nowait(DigestJob(dest, deliveries, reason))
            sender.wake.set()
            queued += 1
        return queued

    # -- shared by the senders -------------------------------------------------------------------

    def _remember(self, alert: Alert) -> None:
        assert alert.id is not None
        self._alerts[alert.id] = alert
        self._alerts.move_to_end(alert.id)
        while len(self._alerts) > ALERT_CACHE_SIZE:
            self._alerts.popitem(last=False)

    async def alerts_for(self, ids: Iterable[int]) -> dict[int, Alert]:
        wanted = set(ids)
        found = {i: self._alerts[i] for i in wanted if i in self._alerts}
        missing = wanted - found.keys()
        if missing:
            loaded = await self.repos.alerts.get_many(missing)
            for alert in loaded.values():
                self._remember(alert)
            found.update(loaded)
        return found

    async def destination_dead(self, destination: Destination, error: str) -> None:
        """Stop delivering to a destination that is gone, and say so in the admin chat."""
        repos = self.repos
        ended = await repos.deliveries.mark_destination_dead(destination.kind, destination.id, error)
        if destination.kind is DestinationKind.DISCORD_CHANNEL:
            removed = await repos.channel_rules.remove_channel(destination.id)
            what = f"Discord channel {destination.id}: removed its {removed} routing rule(s)"
        else:
            await repos.subscriptions.deactivate(destination.kind, destination.id)
            what = f"{destination.kind.value} {destination.id}: its subscription is now off"
        self.invalidate_routing()
        log.warning("destination_dead", kind=destination.kind.value, destination=destination.id, error=error)
        self.tell_admin(f"Stopped delivering to {what} ({ended} undelivered). Reason: {error}")

    def tell_admin(self, text: str, severity: str = "warning") -> None:
        """Tell the admin chat without making a sender wait for it."""
        if self.admin is None:
            return
        task = asyncio.create_task(self._notify_admin(text, severity))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _notify_admin(self, text: str, severity: str) -> None:
        assert self.admin is not None
        try:
            await self.admin.notify_admin(text, severity)
        except Exception:
            log.exception("admin_notify_failed")

    async def update_backlog(self) -> None:
        now = self._monotonic()
        if now - self._backlog_at < 5.0:
            return
        self._backlog_at = now
        backlog = await self.repos.deliveries.backlog()
        for platform in self.senders:
            DELIVERY_BACKLOG.labels(platform=platform.value).set(backlog.get(platform.value, 0))

    def _health(self, state: State, detail: str) -> None:
        if self.health is not None:
            current = self.health.get(self.name)
            if current is None or current.state != state:
                self.health.set(self.name, state, detail)
