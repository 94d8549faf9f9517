"""Background jobs of the network app (procrastinate)."""

from procrastinate.contrib.django import app


@app.task(name="network.deliver_outbound", queue="outbound")
def deliver_outbound(message_id: int) -> None:
    """Deliver one OutboundMessage to EnKash."""
    from .delivery import deliver

    deliver(message_id)
