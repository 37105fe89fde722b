"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi …``."""

import click

from portal import create_app
from portal.accounts.services import refuse_demo_data
from portal.extensions import db

app = create_app()

# The one start-up check that needs the database: never serve demo accounts. It runs
# when a server imports this module, not under ``flask`` commands: ``db upgrade`` must
# work on an empty database, and ``flask doctor`` reports the same check as a line.
if app.config["ENV"] == "production" and click.get_current_context(silent=True) is None:
    with app.app_context():
        refuse_demo_data(db.session)
        db.session.remove()
