"""Choices every document family shares: our side, where a change came from, the kind
of a history row, where a version snapshot stands."""

from django.db import models


class Role(models.TextChoices):
    """Which side of the document we are on."""

    BUYER = "buyer", "We buy"
    SUPPLIER = "supplier", "We supply"


class Source(models.TextChoices):
    """Where a transition came from."""

    STAFF = "staff", "Staff (admin)"
    API = "api", "REST API"
    NETWORK = "network", "Network"


class ChangeKind(models.TextChoices):
    """A status history row: our request awaiting the network, an applied change, a refusal."""

    REQUESTED = "requested", "Requested, awaiting network"
    APPLIED = "applied", "Applied"
    REFUSED = "refused", "Refused by the network"


class VersionState(models.TextChoices):
    """Where a version snapshot stands."""

    APPLIED = "applied", "Applied"
    PARKED = "parked", "Parked: arrived ahead of sequence"
    SUPERSEDED = "superseded", "Arrived after a later version"
    PROPOSED = "proposed", "Ours, awaiting network"
    REFUSED = "refused", "Ours, refused by the network"
