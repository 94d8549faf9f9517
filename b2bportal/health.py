"""Health: what a load balancer probes (`/healthz`) and what says delivery has stalled.

`GET /healthz` answers 200 when the database answers, 503 when it does not.
`GET /healthz?deep=1` also reports the outbound delivery pipeline (the same report
the admin index shows as a banner): the queue lag (age of the oldest job due to run),
the workers alive (procrastinate heartbeats within ENKASH_STALLED_AFTER_SECONDS), and
the age of the oldest outbound message not yet delivered to EnKash; it answers 503
with the reasons when delivery has stalled (thresholds HEALTH_QUEUE_LAG_SECONDS and
HEALTH_UNDELIVERED_SECONDS).
"""

from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Min
from django.http import JsonResponse
from django.utils import timezone

from b2bportal.network.models import OutboundMessage

# Jobs waiting to run now: not scheduled for later. A job's deferral time is its
# 'deferred' event (procrastinate keeps no creation time on the job itself).
QUEUE_SQL = """
    SELECT count(DISTINCT job.id),
           extract(epoch FROM now() - min(coalesce(job.scheduled_at, deferred.at)))
    FROM procrastinate_jobs job
    LEFT JOIN procrastinate_events deferred
           ON deferred.job_id = job.id AND deferred.type = 'deferred'
    WHERE job.status = 'todo' AND (job.scheduled_at IS NULL OR job.scheduled_at <= now())
"""
WORKERS_SQL = """
    SELECT count(*) FROM procrastinate_workers
    WHERE last_heartbeat > now() - make_interval(secs => %s)
"""


@dataclass
class DeliveryReport:
    """The outbound pipeline at one moment, and why it counts as stalled (if it does)."""

    due_jobs: int
    queue_lag_seconds: float | None
    workers_alive: int
    undelivered: int
    oldest_undelivered_seconds: float | None
    reasons: list[str] = field(default_factory=list)

    @property
    def stalled(self) -> bool:
        return bool(self.reasons)


def undelivered_messages() -> tuple[int, float | None]:
    """How many outbound messages have not reached EnKash yet, and the oldest one's age (s)."""
    state = OutboundMessage.State
    waiting = OutboundMessage.objects.filter(state__in=[state.PENDING, state.SENDING])
    found = waiting.aggregate(count=Count("id"), oldest=Min("created_at"))
    if found["oldest"] is None:
        return found["count"], None
    return found["count"], (timezone.now() - found["oldest"]).total_seconds()


def delivery_report() -> DeliveryReport:
    """Measure the outbound pipeline (three queries); raises DatabaseError when it is away."""
    with connection.cursor() as cursor:
        cursor.execute(QUEUE_SQL)
        due_jobs, queue_lag = cursor.fetchone()
        cursor.execute(WORKERS_SQL, [settings.ENKASH_STALLED_AFTER_SECONDS])
        (workers_alive,) = cursor.fetchone()
    undelivered, oldest = undelivered_messages()
    report = DeliveryReport(
        due_jobs=due_jobs,
        queue_lag_seconds=None if queue_lag is None else round(float(queue_lag), 1),
        workers_alive=workers_alive,
        undelivered=undelivered,
        oldest_undelivered_seconds=None if oldest is None else round(float(oldest), 1),
    )
    if not workers_alive:
        report.reasons.append("no worker is alive: nothing will be delivered")
    if queue_lag is not None and queue_lag > settings.HEALTH_QUEUE_LAG_SECONDS:
        report.reasons.append(
            f"the oldest due job has waited {queue_lag:.0f} s "
            f"(more than {settings.HEALTH_QUEUE_LAG_SECONDS:.0f} s)"
        )
    if oldest is not None and oldest > settings.HEALTH_UNDELIVERED_SECONDS:
        report.reasons.append(
            f"an outbound message is undelivered after {oldest:.0f} s "
            f"(more than {settings.HEALTH_UNDELIVERED_SECONDS:.0f} s)"
        )
    return report


def healthz(request):
    """200 when the database answers (and, with ?deep=1, delivery flows); else 503."""
    deep = request.GET.get("deep", "") not in ("", "0")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report = delivery_report() if deep else None
    except DatabaseError as exc:
        return JsonResponse({"status": "unavailable", "database": str(exc)[:200]}, status=503)
    if report is None:
        return JsonResponse({"status": "ok", "database": "ok"})
    body = {"status": "stalled" if report.stalled else "ok", "database": "ok", **asdict(report)}
    return JsonResponse(body, status=503 if report.stalled else 200)
