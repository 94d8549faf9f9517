"""The admin index shows staff where to start."""

import pytest


@pytest.mark.django_db
def test_the_admin_index_points_at_the_work_waiting(client, django_user_model):
    admin = django_user_model.objects.create_superuser("boss", "boss@example.in", "pw-long-enough")
    client.force_login(admin)
    page = client.get("/admin/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Where to start" in html
    assert (
        'href="/admin/invoices/invoice/?role__exact=buyer&amp;status__exact=SENT_TO_BUYER"' in html
    )
    assert 'href="/admin/network/inboundmessage/"' in html
    assert 'href="/admin/network/outboundmessage/"' in html
    listed = client.get("/admin/invoices/invoice/?role__exact=buyer&status__exact=SENT_TO_BUYER")
    assert listed.status_code == 200  # the filter the link names exists (no ?e=1 redirect)
