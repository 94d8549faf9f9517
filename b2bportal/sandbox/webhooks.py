"""Webhooks from the sandbox to the app, authenticated and delivered as EnKash would.

Each webhook carries `X-Webhook-Token` and, when a signing secret is set, the
Standard Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
Deliveries are scheduled on one background thread; faults (duplicate, reorder,
delay, lose) are decided when a webhook is scheduled. A delivery that meets a
connection error or a 5xx is retried with backoff, like a sender that must not
lose messages; a 4xx is final.
"""

import heapq
import itertools
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field

import httpx

from b2bportal.network.auth import TOKEN_HEADER, signed_headers

from .faults import FaultPlan

logger = logging.getLogger(__name__)


def auth_headers(body: bytes, *, token: str, signing_secret: str = "", message_id: str = ""):
    """The headers that authenticate one webhook body, as our inbox checks them."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers[TOKEN_HEADER] = token
    if signing_secret:
        headers.update(
            signed_headers(signing_secret, message_id or f"msg_{uuid.uuid4().hex}", body)
        )
    return headers


@dataclass
class Delivery:
    """One webhook: what was sent where, and what the app answered."""

    path: str
    body: dict
    label: str = ""
    message_id: str = field(default_factory=lambda: f"msg_{uuid.uuid4().hex}")
    copy: int = 1  # 2 for the duplicate of a webhook delivered twice
    status: int | None = None
    reply: dict | str | None = None
    attempts: int = 0
    error: str = ""
    lost: bool = False
    sent_at: float | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class WebhookSender:
    """Posts webhooks to the app: now (`post`) or later on a thread (`schedule`)."""

    def __init__(
        self,
        app_url: str,
        *,
        token: str,
        signing_secret: str = "",
        faults: FaultPlan | None = None,
        retry_delays: tuple[float, ...] = (0.5, 1, 2, 4, 8, 15),
        timeout: float = 15.0,
        hold_limit: float = 3.0,
    ):
        self.app_url = app_url.rstrip("/")
        self.token = token
        self.signing_secret = signing_secret
        self.faults = faults or FaultPlan()
        self.retry_delays = retry_delays
        self.deliveries: list[Delivery] = []
        self._client = httpx.Client(timeout=timeout)
        self._queue: list[tuple[float, int, Delivery]] = []
        self._order = itertools.count()
        self._condition = threading.Condition()
        self._busy = 0
        self._held: tuple[list[Delivery], float] | None = None
        self._held_timer: threading.Timer | None = None
        self.hold_limit = hold_limit
        self._stopping = False
        self._thread: threading.Thread | None = None

    # -- sending ---------------------------------------------------------------------------
    def post(self, delivery: Delivery) -> Delivery:
        """Deliver now, retrying connection errors and 5xx; returns the delivery, filled in."""
        raw = json.dumps(delivery.body, separators=(",", ":")).encode()
        for attempt, pause in enumerate((*self.retry_delays, None), start=1):
            delivery.attempts = attempt
            headers = auth_headers(
                raw,
                token=self.token,
                signing_secret=self.signing_secret,
                message_id=delivery.message_id,
            )
            try:
                response = self._client.post(
                    self.app_url + delivery.path, content=raw, headers=headers
                )
            except httpx.HTTPError as exc:
                delivery.status, delivery.error = None, f"{type(exc).__name__}: {exc}"
            else:
                delivery.status, delivery.error = response.status_code, ""
                try:
                    delivery.reply = response.json()
                except ValueError:
                    delivery.reply = response.text[:2000]
                if response.status_code < 500:
                    break
            if pause is None or self._stopping:
                break
            time.sleep(pause)
        delivery.sent_at = time.time()
        with self._condition:
            self.deliveries.append(delivery)
        logger.info(
            "sandbox -> app %s %s (%s, attempt %s)",
            delivery.path,
            delivery.status or delivery.error,
            delivery.label,
            delivery.attempts,
        )
        return delivery

    def schedule(
        self, path: str, body: dict, *, delay: float = 0.0, label: str = "", result: bool = False
    ) -> list[Delivery]:
        """Deliver later on the sender's thread, with this run's faults applied.

        `result=True` marks a `resp-*` webhook, the only kind a lost-result fault drops.
        Returns the planned deliveries (two for a duplicate, none sent yet).
        """
        delivery = Delivery(path, body, label)
        if result and self.faults.happens("lose"):
            delivery.lost = True
            with self._condition:
                self.deliveries.append(delivery)
            logger.info("sandbox: result %s lost on purpose (%s)", path, label)
            return []
        if self.faults.happens("delay"):
            delay += self.faults.extra_delay()
        planned = [delivery]
        if self.faults.happens("duplicate"):
            planned.append(
                Delivery(path, body, label + " (duplicate)", delivery.message_id, copy=2)
            )
        with self._condition:
            due = time.monotonic() + delay
            held, self._held = self._held, None
            if self.faults.happens("reorder") and held is None:
                # Held back until the next webhook is scheduled, then sent right after it.
                self._held = (planned, due)
                self._held_timer = threading.Timer(self.hold_limit, self._release_held)
                self._held_timer.daemon = True
                self._held_timer.start()
            else:
                self._push(planned, due)
                if held is not None:
                    self._held_timer.cancel()
                    held_planned, held_due = held
                    self._push(held_planned, max(held_due, due + 0.3))
        self._ensure_thread()
        return planned

    def _push(self, planned: list[Delivery], due: float) -> None:
        for index, item in enumerate(planned):
            heapq.heappush(self._queue, (due + 0.15 * index, next(self._order), item))
        self._condition.notify_all()

    def _release_held(self) -> None:
        """Nothing overtook a held-back webhook in time: send it anyway."""
        with self._condition:
            held, self._held = self._held, None
            if held is not None:
                self._push(*held)

    # -- the thread ----------------------------------------------------------------------
    def _ensure_thread(self):
        with self._condition:
            if self._thread is None or not self._thread.is_alive():
                self._stopping = False
                self._thread = threading.Thread(
                    target=self._run, name="sandbox-webhooks", daemon=True
                )
                self._thread.start()

    def _run(self):
        while True:
            with self._condition:
                while not self._stopping and (
                    not self._queue or self._queue[0][0] > time.monotonic()
                ):
                    timeout = self._queue[0][0] - time.monotonic() if self._queue else None
                    self._condition.wait(timeout)
                if self._stopping:
                    return
                _due, _order, delivery = heapq.heappop(self._queue)
                self._busy += 1
            try:
                self.post(delivery)
            except Exception:  # a bug here must not stop later deliveries
                logger.exception("sandbox: delivering %s failed", delivery.path)
            finally:
                with self._condition:
                    self._busy -= 1
                    self._condition.notify_all()

    def pending(self) -> int:
        """Webhooks scheduled, held back or being delivered."""
        with self._condition:
            held = len(self._held[0]) if self._held else 0
            return len(self._queue) + self._busy + held

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until nothing is scheduled or in flight; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._queue or self._busy or self._held:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._condition.wait(min(remaining, 0.2))
        return True

    def close(self):
        """Stop the thread (scheduled webhooks not yet due are dropped) and the client."""
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._client.close()
