"""Company form posts found by the probe: resend took any expires_days (a 500 for a huge one,
silently ignored for a negative one)."""
import pytest


@pytest.mark.parametrize("days", ["99999999999999999999", "-1", "0", "181"])
def test_resend_refuses_an_expiry_out_of_range(client, tenants, login, days):
    login(client, tenants[0].email)
    invitation_id = tenants[0].invitation_ids[1]
    response = client.post(f"/company/candidates/{invitation_id}/resend", data={"expires_days": days})
    assert response.status_code == 400, response.text[:300]
    assert "expires_days" in response.text


def test_resend_within_range_gives_a_new_link(client, tenants, login):
    login(client, tenants[0].email)
    response = client.post(f"/company/candidates/{tenants[0].invitation_ids[1]}/resend", data={"expires_days": "3"})
    assert response.status_code == 200
    assert "/t/" in response.text
