"""REST representation of our businesses (for provisioning scripts and ERPs)."""

from rest_framework import serializers

from b2bportal.parties import gstin as gstin_rules
from b2bportal.parties import validation
from b2bportal.parties.models import Business


class BusinessSerializer(serializers.ModelSerializer):
    """One of our businesses: its B2B ID, GSTIN, names, state, contacts and bank."""

    class Meta:
        model = Business
        fields = [
            "id", "b2b_id", "gstin", "legal_name", "trade_name", "state_code", "address",
            "email", "phone", "bank_account", "geocode", "is_active", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at", "updated_at"]
        # validate_gstin names the business holding it; the database constraint backs it.
        extra_kwargs = {"gstin": {"validators": []}}

    def validate_gstin(self, value: str) -> str:
        value = (value or "").strip().upper()
        if value and not gstin_rules.is_well_formed(value):
            raise serializers.ValidationError("Not a GSTIN (15 characters: state, PAN, ...).")
        if value and not gstin_rules.has_valid_check_digit(value):
            raise serializers.ValidationError("The GSTIN's check digit is wrong.")
        return value

    def validate_state_code(self, value: str) -> str:
        if value and not (len(value) == 2 and value.isdigit()):
            raise serializers.ValidationError("Two digits, e.g. 29 for Karnataka.")
        return value

    def validate(self, attrs):
        errors = validation.party_errors(attrs)
        if "gstin" in attrs and "gstin" not in errors:
            holder = Business.holder_of_gstin(attrs["gstin"], getattr(self.instance, "pk", None))
            if holder:
                errors["gstin"] = validation.gstin_taken(holder)
        if errors:
            raise serializers.ValidationError({name: [error] for name, error in errors.items()})
        gstin = attrs.get("gstin", getattr(self.instance, "gstin", ""))
        state = attrs.get("state_code", getattr(self.instance, "state_code", ""))
        if gstin and state and gstin_rules.state_code(gstin) != state:
            raise serializers.ValidationError(
                {"state_code": [f"The GSTIN is registered in state {gstin[:2]}."]}
            )
        return attrs
