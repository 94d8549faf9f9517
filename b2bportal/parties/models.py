"""Parties: our own businesses (one per B2B ID) and the counterparties we trade with."""

from django.core.validators import RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords


class PartyFields(models.Model):
    """What the network tells about a party: identity, address, contacts, bank."""

    b2b_id = models.CharField("B2B ID", max_length=100, unique=True)
    gstin = models.CharField("GSTIN", max_length=15, blank=True, db_index=True)
    legal_name = models.CharField(max_length=200, blank=True)
    trade_name = models.CharField(max_length=200, blank=True)
    state_code = models.CharField(max_length=2, blank=True)
    address = models.JSONField(default=dict, blank=True, help_text="Registered address.")
    email = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    bank_account = models.JSONField(
        default=dict,
        blank=True,
        help_text="maskedAccountNumber, ifsc, beneficiaryName, businessVPA as the network shows.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.trade_name or self.legal_name or self.b2b_id} ({self.b2b_id})"

    @property
    def display_name(self) -> str:
        return self.trade_name or self.legal_name or self.b2b_id


class Business(PartyFields):
    """One of OUR businesses on the network: a B2B ID registered for one of our GSTINs.

    A message is ours when its buyer or supplier B2B ID is one of these.
    """

    is_active = models.BooleanField(default=True)
    geocode = models.CharField(
        "GEOCODE",
        max_length=100,
        blank=True,
        help_text="The device.tag GEOCODE our requests for this business carry "
        '("latitude,longitude"); empty: ENKASH_DEVICE_GEOCODE.',
        validators=[
            RegexValidator(
                r"^-?\d{1,2}(\.\d+)?,-?\d{1,3}(\.\d+)?$",
                "Latitude and longitude in degrees, e.g. 12.9716,77.5946.",
            )
        ],
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["legal_name", "b2b_id"]
        verbose_name_plural = "businesses"


class Counterparty(PartyFields):
    """A business on the other side of our documents, kept up to date from message content."""

    history = HistoricalRecords()

    class Meta:
        ordering = ["legal_name", "b2b_id"]
        verbose_name_plural = "counterparties"
