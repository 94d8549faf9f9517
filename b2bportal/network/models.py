"""The wire's own records: every message that reached us, every call we make, every attempt."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from b2bportal.network.jsonnumbers import ExactJSONDecoder, ExactJSONEncoder


def new_req_msg_id() -> str:
    """A reqMsgId for one outbound request: 32 hex characters, kept across retries."""
    return uuid.uuid4().hex


class DocumentLink(models.Model):
    """A link to the document (invoice, PO, ...) a message touched, plus its wire identifiers."""

    document_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    document_id = models.PositiveBigIntegerField(null=True, blank=True)
    document = GenericForeignKey("document_type", "document_id")
    object_id = models.CharField("objectId", max_length=64, blank=True, db_index=True)
    buyer_b2b_id = models.CharField("buyer B2B ID", max_length=100, blank=True, db_index=True)
    supplier_b2b_id = models.CharField("supplier B2B ID", max_length=100, blank=True, db_index=True)

    class Meta:
        abstract = True
        indexes = [models.Index(fields=["document_type", "document_id"])]


class InboundMessage(DocumentLink):
    """One authenticated HTTP request to a webhook path, stored before anything else is done.

    The raw body is kept byte for byte, whether or not it was valid, so a message that
    failed can be reprocessed after a fix. Once a processed or duplicate message is
    older than ENKASH_INBOUND_RETENTION_DAYS its body may be cleared (`body_pruned_at`
    says when); the row, its outcome, fingerprint and reply stay.
    """

    class Outcome(models.TextChoices):
        RECEIVED = "received", "Received (not yet processed)"
        # Only on rows kept from before refused deliveries were counted, not stored
        # (InboundRejection); kept so those rows still read right.
        REJECTED = "rejected", "Rejected: authentication failed"
        INVALID = "invalid", "Invalid: refused with 4xx"
        PROCESSED = "processed", "Processed"
        DUPLICATE = "duplicate", "Duplicate of an earlier delivery"
        AWAITING_HANDLER = "awaiting_handler", "Awaiting handler"
        UNMATCHED = "unmatched", "Result matching no request of ours"
        FAILED = "failed", "Failed: our error, can be reprocessed"

    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=255, db_index=True)
    message_type = models.CharField(max_length=64, blank=True, db_index=True)
    headers = models.JSONField(default=dict, help_text="Request headers, secrets masked.")
    body = models.BinaryField(help_text="The raw request body, byte for byte.")
    body_size = models.PositiveIntegerField(
        null=True, blank=True, help_text="Bytes read of the body (kept after the body is pruned)."
    )
    body_pruned_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the raw body was cleared under the retention setting.",
    )
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    fingerprint = models.CharField(
        max_length=64,
        blank=True,
        db_index=True,
        help_text="What identifies the message for de-duplication (see README).",
    )
    req_msg_id = models.CharField("reqMsgId", max_length=64, blank=True, db_index=True)
    outcome = models.CharField(
        max_length=20, choices=Outcome.choices, default=Outcome.RECEIVED, db_index=True
    )
    error_code = models.CharField(max_length=64, blank=True)
    error_detail = models.TextField(blank=True)
    error_field = models.CharField(max_length=255, blank=True)
    reply_status = models.PositiveSmallIntegerField(null=True, blank=True)
    reply_body = models.JSONField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    history = models.JSONField(
        default=list,
        blank=True,
        help_text="Each processing of the message (on arrival, then any reprocess): "
        "when, how, outcome, reply status.",
    )
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    answers = models.ForeignKey(
        "OutboundMessage",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="results",
        help_text="For a result message: the request of ours it answers.",
    )

    class Meta(DocumentLink.Meta):
        ordering = ["-received_at", "-id"]
        indexes = [
            *DocumentLink.Meta.indexes,
            models.Index(fields=["fingerprint", "outcome"], name="inbound_fingerprint_outcome"),
        ]
        permissions = [("reprocess_inboundmessage", "Can reprocess inbound messages")]

    def __str__(self):
        return f"{self.message_type or self.path} #{self.pk}"


class InboundRejection(models.Model):
    """Webhook deliveries refused before storing (authentication), counted, never kept whole.

    One row per day, path, source address and reason, with a count, when the first and
    the latest arrived, and the size and first bytes of the latest: a flood of
    unauthenticated posts adds at most a bounded number of small rows. A source beyond
    the day's MAX_SOURCES_PER_DAY is counted under OTHER_SOURCES.
    """

    OTHER_SOURCES = "*"
    MAX_SOURCES_PER_DAY = 1000
    FIRST_BYTES = 200

    day = models.DateField(db_index=True)
    path = models.CharField(max_length=255)
    source = models.CharField(
        max_length=45, blank=True, help_text='Source address; "" unknown, "*" other sources.'
    )
    reason = models.CharField(max_length=100)
    count = models.PositiveBigIntegerField(default=0)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    last_size = models.PositiveIntegerField(help_text="Bytes read of the latest body.")
    last_first_bytes = models.BinaryField(help_text="The first bytes of the latest body.")

    class Meta:
        ordering = ["-day", "-last_seen"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "path", "source", "reason"], name="inbound_rejection_per_day"
            )
        ]

    def __str__(self):
        return f"{self.day} {self.path} {self.source or '?'}: {self.reason} x{self.count}"


class OutboundQuerySet(models.QuerySet):
    def overdue(self):
        """Requests the network took (acknowledged) whose result has not come in time.

        "In time" is ENKASH_RESULT_OVERDUE_SECONDS after the acknowledgement.
        """
        cutoff = timezone.now() - timedelta(seconds=settings.ENKASH_RESULT_OVERDUE_SECONDS)
        return self.filter(state=OutboundMessage.State.SENT, sent_at__lt=cutoff)


class OutboundMessage(DocumentLink):
    """A call of ours to EnKash, written in the same transaction as the decision behind it.

    Its `req_msg_id` is generated once and sent unchanged on every retry.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent, awaiting network"
        ANSWERED = "answered", "Answered by the network"
        FAILED = "failed", "Failed"
        GIVEN_UP = "given_up", "Given up by staff"

    # States in which the network's result is still expected (and will be recorded).
    AWAITING_RESULT = (State.PENDING, State.SENDING, State.SENT)

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    message_type = models.CharField(max_length=64, db_index=True)
    path = models.CharField(max_length=255)
    # Money in the body stays Decimal: written and read back as exact JSON numbers.
    body = models.JSONField(encoder=ExactJSONEncoder, decoder=ExactJSONDecoder)
    req_msg_id = models.CharField(
        "reqMsgId", max_length=32, unique=True, default=new_req_msg_id, editable=False
    )
    object_version = models.PositiveIntegerField(null=True, blank=True)
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    ack_payload = models.JSONField(null=True, blank=True)
    network_message_id = models.CharField(
        max_length=100, blank=True, db_index=True, help_text="An id EnKash's ack returned, if any."
    )
    last_error = models.TextField(blank=True)
    retry_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Network errors and 5xx are retried until then; set by the first attempt "
        "and again by a retry from staff.",
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=32, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_detail = models.TextField(blank=True)
    error_field = models.CharField(max_length=255, blank=True)

    objects = OutboundQuerySet.as_manager()

    class Meta(DocumentLink.Meta):
        ordering = ["-created_at", "-id"]
        permissions = [("retry_outboundmessage", "Can retry failed outbound messages")]

    def __str__(self):
        return f"{self.message_type} {self.req_msg_id}"

    @property
    def can_be_retried(self) -> bool:
        """Staff may "retry now" only a failed call made for no document: a document's
        failed call has already returned the document, whose page decides again."""
        return self.state == self.State.FAILED and self.document_id is None

    @property
    def is_overdue(self) -> bool:
        """True when the network took this request and its result is late (see `overdue`)."""
        if self.state != self.State.SENT or self.sent_at is None:
            return False
        limit = timedelta(seconds=settings.ENKASH_RESULT_OVERDUE_SECONDS)
        return timezone.now() - self.sent_at > limit


class DeliveryAttempt(models.Model):
    """One HTTP attempt at delivering an OutboundMessage: what we sent and what came back.

    Written (started, request) and committed before the call is made, and completed after
    it: an attempt never completed is a call whose worker died before recording an answer.
    """

    message = models.ForeignKey(OutboundMessage, on_delete=models.CASCADE, related_name="attempts")
    started_at = models.DateTimeField(default=timezone.now)
    url = models.CharField(max_length=500)
    request_headers = models.JSONField(default=dict)
    request_body = models.TextField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    latency_ms = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
    completed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the answer (or its absence) was recorded."
    )

    class Meta:
        ordering = ["started_at", "id"]

    def __str__(self):
        # Not "attempt <id> of <message id>": both are table ids and read as a count.
        return f"message #{self.message_id}, call at {self.started_at:%H:%M:%S} UTC: {self.outcome}"

    @property
    def outcome(self) -> str:
        """What came of the attempt, in a few words."""
        if self.completed_at is None:
            return "in flight"
        return str(self.status_code) if self.status_code else self.error[:40]


# The error of an attempt whose worker died mid-call (noted when the call is made again).
INTERRUPTED = "interrupted (no answer recorded)"
