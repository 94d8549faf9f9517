"""Staff forms for purchase orders: the supplier's decision, and an order of ours.

The decision's remarks, the line rows and the themed widgets are the invoice's
(`invoices.forms`): one rule for remarks, one way to enter a line.
"""

from django import forms

from b2bportal.network.wire import NO_QUOTES
from b2bportal.parties.models import Business
from invoices.forms import CancelForm, LineFormSet, RemarksField, SendForm, ThemedForm, lines_of

from .choices import SupplierResponse

__all__ = [
    "DecisionForm",
    "LineFormSet",
    "OurPurchaseOrderForm",
    "RemarksForm",
    "SendForm",
    "lines_of",
]

# Cancel and close take the same remarks on the version the page showed.
RemarksForm = CancelForm


class DecisionForm(ThemedForm):
    """Accept, reject or return a buyer's order, on the version the page showed."""

    response = forms.ChoiceField(choices=SupplierResponse.choices)
    remarks = RemarksField()
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class OurPurchaseOrderForm(ThemedForm):
    """The header of an order we place with a supplier (we are the buyer)."""

    business = forms.ModelChoiceField(
        queryset=Business.objects.filter(is_active=True), label="Ordering business (ours)"
    )
    supplier_b2b_id = forms.CharField(
        label="Supplier B2B ID", max_length=100, validators=[NO_QUOTES]
    )
    supplier_gstin = forms.CharField(label="Supplier GSTIN", max_length=15, required=False)
    supplier_legal_name = forms.CharField(max_length=200)
    supplier_trade_name = forms.CharField(max_length=200, required=False)
    supplier_state_code = forms.CharField(max_length=2, help_text="GST state code, e.g. 27.")
    place_of_supply = forms.CharField(max_length=2, help_text="State code of delivery.")
    po_number = forms.CharField(label="PO number", max_length=50, validators=[NO_QUOTES])
    order_date = forms.DateField()
    delivery_date = forms.DateField(required=False)
    subject = forms.CharField(max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        order, delivery = data.get("order_date"), data.get("delivery_date")
        if order and delivery and delivery < order:
            self.add_error("delivery_date", "The delivery date is before the order date.")
        return data

    def service_data(self, lines) -> dict:
        """What `services.create_purchase_order` and `edit_purchase_order` take."""
        data = self.cleaned_data
        return {
            "supplier": {
                "b2b_id": data["supplier_b2b_id"],
                "gstin": data["supplier_gstin"].upper(),
                "legal_name": data["supplier_legal_name"],
                "trade_name": data["supplier_trade_name"],
                "state_code": data["supplier_state_code"],
                "address": {},
            },
            "po_number": data["po_number"],
            "order_date": data["order_date"],
            "delivery_date": data["delivery_date"],
            "subject": data["subject"],
            "place_of_supply": data["place_of_supply"],
            "items": lines,
        }

    @classmethod
    def initial_of(cls, order) -> dict:
        """The form filled from `order`'s applied version (to edit it)."""
        return {
            "business": order.business_id,
            **{
                name: getattr(order, name)
                for name in cls.base_fields
                if name != "business" and hasattr(order, name)
            },
        }
