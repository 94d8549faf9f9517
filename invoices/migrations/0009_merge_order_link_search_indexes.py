# Both 0008s: the purchase-order link and the search indexes.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0008_purchase_order_link"),
        ("invoices", "0008_search_indexes"),
    ]

    operations = []
