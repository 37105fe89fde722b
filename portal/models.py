"""Import every model so that the metadata (Alembic, tests) knows all tables."""

from portal.accounts import models as accounts_models
from portal.auth import models as auth_models
from portal.cases import models as cases_models
from portal.core import audit, numbering, outbox
from portal.core.db import Base
from portal.core.storage import models as storage_models
from portal.credit import models as credit_models
from portal.exemptions import models as exemptions_models
from portal.guides import models as guides_models
from portal.notifications import models as notifications_models
from portal.selfcheck import models as selfcheck_models

metadata = Base.metadata

__all__ = ["accounts_models", "audit", "auth_models", "cases_models", "credit_models",
           "exemptions_models", "guides_models", "metadata", "notifications_models",
           "numbering", "outbox", "selfcheck_models", "storage_models"]
