"""Self-check questionnaires (自查自纠 / 承诺式检查): engine, drafts, results."""
