"""The exemption pages' labels in Chinese: never the credit-repair wording of a shared word."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from portal.credit import labels as credit_labels
from portal.credit.models import RepairStatus
from portal.exemptions import labels as enterprise_labels
from portal.exemptions.models import ApplicationStatus
from portal.review import labels as review_labels

#: "Repair" (修复) belongs to credit repair; an exemption is never "repaired".
REPAIR = {"zh_Hans_CN": "修复", "zh_Hant": "修復"}


@pytest.mark.parametrize("module", [enterprise_labels, review_labels])
def test_a_refused_exemption_reads_as_refused_exemption_not_refused_repair(app, module):
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        assert str(module.STATUS_LABELS[ApplicationStatus.REFUSED]) == "不予免罚"
        assert str(module.STEP_LABELS["exemption.refused"]) == "不予免罚"
        # The credit page keeps its own wording.
        assert str(credit_labels.REPAIR_LABELS[RepairStatus.REFUSED]) == "不予修复"


@pytest.mark.parametrize("locale", sorted(REPAIR))
@pytest.mark.parametrize("module", [enterprise_labels, review_labels])
def test_no_exemption_label_speaks_of_credit_repair(app, module, locale):
    with app.test_request_context(), force_locale(locale):
        texts = [str(label) for name in dir(module) if name.endswith("_LABELS")
                 for label in getattr(module, name).values()]
    assert texts
    assert [text for text in texts if REPAIR[locale] in text] == []
