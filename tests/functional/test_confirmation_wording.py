"""The confirmation page states what the law says about correcting, no more (issue 9, §3)."""

from __future__ import annotations

from tests.conftest import reload


def test_confirmation_states_the_legal_conditions_not_an_overstatement(client, world):
    client.sign_in(world.enterprise_admin.email)
    self_check = reload(world.submitted)
    page = client.get(f"/self-checks/{self_check.id}/confirmation").get_data(as_text=True)
    assert "主动整改问题是免予处罚的主要条件" not in page
    assert "及时改正是不予处罚的条件之一" in page
    assert "违法行为轻微且没有造成危害后果" in page
    assert "第三十二条" in page and "第三十三条" in page
