"""Staff forms: a decision with remarks, and an invoice of ours with its lines."""

from django import forms
from unfold import widgets as themed

from b2bportal.network.handling import Rejected
from b2bportal.network.wire import NO_QUOTES
from b2bportal.parties.models import Business

from .choices import BuyerResponse
from .services import REMARKS_MAX, validate_remarks


class ThemedDateWidget(themed.UnfoldAdminTextInputWidget):
    input_type = "date"  # the browser's own date picker


# Plain widgets -> the admin theme's, so hand-built forms look like the rest of the admin.
THEMED_WIDGETS = {
    forms.TextInput: themed.UnfoldAdminTextInputWidget,
    forms.NumberInput: themed.UnfoldAdminDecimalFieldWidget,
    forms.DateInput: ThemedDateWidget,
    forms.Select: themed.UnfoldAdminSelectWidget,
    forms.CheckboxInput: themed.UnfoldBooleanWidget,
}


class ThemedForm(forms.Form):
    """A form rendered with the admin theme's widgets."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget_class = THEMED_WIDGETS.get(type(field.widget))
            if widget_class is None:
                continue
            widget = widget_class(attrs=field.widget.attrs)
            if hasattr(field.widget, "choices"):
                widget.choices = field.widget.choices
            field.widget = widget


def network_remarks(value: str) -> None:
    """The service's rule for remarks (`validate_remarks`), as a form error."""
    try:
        validate_remarks(value)
    except Rejected as refused:
        raise forms.ValidationError(refused.detail) from None


class RemarksField(forms.CharField):
    """Remarks checked by the service's own rule; the browser stops typing at its limit."""

    def __init__(self, **kwargs):
        super().__init__(
            validators=[network_remarks],
            widget=forms.TextInput(attrs={"maxlength": REMARKS_MAX}),
            help_text=f'1-{REMARKS_MAX} characters, no " or \\.',
            **kwargs,
        )


class DecisionForm(ThemedForm):
    """Accept, reject or return, on the version the page showed."""

    response = forms.ChoiceField(choices=BuyerResponse.choices)
    remarks = RemarksField()
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class BulkDecisionForm(ThemedForm):
    """Remarks for a decision on several invoices (their versions travel as hidden fields)."""

    remarks = RemarksField()


class SendForm(ThemedForm):
    """Send our invoice, on the version the page showed (when it says)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


class CancelForm(ThemedForm):
    remarks = RemarksField()
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class OurInvoiceForm(ThemedForm):
    """The header of an invoice we supply."""

    business = forms.ModelChoiceField(queryset=Business.objects.filter(is_active=True))
    buyer_b2b_id = forms.CharField(max_length=100, validators=[NO_QUOTES])
    buyer_gstin = forms.CharField(max_length=15, required=False)
    buyer_legal_name = forms.CharField(max_length=200)
    buyer_trade_name = forms.CharField(max_length=200, required=False)
    buyer_state_code = forms.CharField(max_length=2)
    place_of_supply = forms.CharField(max_length=2, help_text="State code of delivery.")
    supplier_invoice_number = forms.CharField(max_length=50, validators=[NO_QUOTES])
    invoice_date = forms.DateField()
    due_date = forms.DateField(required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        if (
            data.get("due_date")
            and data.get("invoice_date")
            and data["due_date"] < data["invoice_date"]
        ):
            self.add_error("due_date", "The due date is before the invoice date.")
        return data

    def service_data(self, lines) -> dict:
        data = self.cleaned_data
        return {
            "buyer": {
                "b2b_id": data["buyer_b2b_id"],
                "gstin": data["buyer_gstin"].upper(),
                "legal_name": data["buyer_legal_name"],
                "trade_name": data["buyer_trade_name"],
                "state_code": data["buyer_state_code"],
            },
            "supplier_invoice_number": data["supplier_invoice_number"],
            "invoice_date": data["invoice_date"],
            "due_date": data["due_date"],
            "place_of_supply": data["place_of_supply"],
            "items": lines,
        }


class LineForm(ThemedForm):
    description = forms.CharField(max_length=500)
    hsn_code = forms.CharField(max_length=10, required=False)
    quantity = forms.DecimalField(max_digits=18, decimal_places=4, min_value=0)
    unit = forms.CharField(max_length=20, required=False)
    unit_price = forms.DecimalField(max_digits=18, decimal_places=4, min_value=0)
    gst_rate = forms.DecimalField(max_digits=6, decimal_places=3, min_value=0, max_value=100)
    is_service = forms.BooleanField(required=False)


LineFormSet = forms.formset_factory(LineForm, extra=3, min_num=1, validate_min=True)


def lines_of(formset) -> list[dict]:
    return [
        f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]
