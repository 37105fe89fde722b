"""Dates told to users in messages use the language's one date format (issue 9, §4)."""

import datetime as dt

from portal.core.db import utcnow


def test_a_changed_mandate_is_confirmed_with_a_written_date(client, world):
    client.sign_in(world.enterprise_admin.email)
    membership = world.agent_membership
    new_end = utcnow().date() + dt.timedelta(days=200)
    path = f"/enterprise/{world.enterprise.id}/members/{membership.id}/mandate"
    response = client.submit(path, {"mandate_expires_on": new_end.isoformat(),
                                    "version": membership.version})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    written = f"{new_end.year}年{new_end.month}月{new_end.day}日"
    assert written in page
    assert new_end.isoformat() not in page
