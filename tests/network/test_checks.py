"""Start-up checks of the network app's settings."""

from b2bportal.network.checks import webhook_allowed_ips_valid


def test_a_source_address_list_that_cannot_be_read_stops_start_up(settings):
    settings.ENKASH_WEBHOOK_ALLOWED_IPS = ["10.0.0.0/8", "127.0.0.1", "10.0.0.300", "::1"]

    errors = webhook_allowed_ips_valid(None)

    assert [(error.id, error.msg) for error in errors] == [
        (
            "network.E002",
            "ENKASH_WEBHOOK_ALLOWED_IPS has an entry that is not an address or a network: "
            "'10.0.0.300' ('10.0.0.300' does not appear to be an IPv4 or IPv6 network).",
        )
    ]


def test_readable_source_addresses_pass(settings):
    settings.ENKASH_WEBHOOK_ALLOWED_IPS = ["10.0.0.0/8", "127.0.0.1", "::1", "fd00::/8"]

    assert webhook_allowed_ips_valid(None) == []
