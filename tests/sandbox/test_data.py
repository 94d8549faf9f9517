"""The sandbox's businesses and goods are shaped like the real thing."""

from b2bportal.parties import gstin
from b2bportal.sandbox import data


def test_every_gstin_is_valid_and_in_its_state():
    for business in (*data.OUR_BUSINESSES, *data.COUNTERPARTIES):
        assert gstin.has_valid_check_digit(business.gstin), business.gstin
        assert gstin.state_code(business.gstin) == business.state_code
        assert business.state_code in data.STATES


def test_our_businesses_are_one_pan_in_three_states():
    assert [b.gstin for b in data.OUR_BUSINESSES] == [
        "27AABCS4821K1Z9",
        "29AABCS4821K1Z5",
        "33AABCS4821K1ZG",
    ]
    b2b_ids = [b.b2b_id for b in (*data.OUR_BUSINESSES, *data.COUNTERPARTIES)]
    assert len(set(b2b_ids)) == len(b2b_ids) == 11


def test_goods_carry_a_gst_rate_and_an_hsn_heading():
    rates = {product.gst_rate for product in data.PRODUCTS}
    assert rates == set(data.GST_RATES)
    for product in data.PRODUCTS:
        assert len(product.hsn_code) == 4 and product.hsn_code.isdigit()
    assert {data.products_of(s)[0].hsn_code for s in data.COUNTERPARTIES} >= {"7216", "9987"}
