"""Parties: our own businesses (one per B2B ID) and the counterparties we trade with."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords

from . import validation


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

    def field_errors(self) -> dict[str, str]:
        """Field name -> why its value cannot be stored (see parties/validation.py)."""
        names = (*validation.TEXT_FIELDS, *validation.OBJECT_FIELDS)
        return validation.party_errors({name: getattr(self, name) for name in names})

    def clean(self):
        super().clean()
        if errors := self.field_errors():
            raise ValidationError(errors)


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
        # The check in validation names the holder; this makes two registrations at
        # the same moment impossible too.
        constraints = [
            models.UniqueConstraint(
                fields=["gstin"], condition=~models.Q(gstin=""), name="business_gstin_once"
            )
        ]

    @classmethod
    def holder_of_gstin(cls, gstin: str, exclude_pk=None) -> str | None:
        """The B2B ID of another of our businesses registered with `gstin` (the network
        gives one B2B ID per GSTIN), or None."""
        if not gstin:
            return None
        others = cls.objects.filter(gstin=gstin).exclude(pk=exclude_pk)
        return others.values_list("b2b_id", flat=True).first()

    def field_errors(self) -> dict[str, str]:
        errors = super().field_errors()
        if "gstin" not in errors and (holder := self.holder_of_gstin(self.gstin, self.pk)):
            errors["gstin"] = validation.gstin_taken(holder)
        return errors


class Counterparty(PartyFields):
    """A business on the other side of our documents, kept up to date from message content."""

    history = HistoricalRecords()

    class Meta:
        ordering = ["legal_name", "b2b_id"]
        verbose_name_plural = "counterparties"
