"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi …``."""

from portal import create_app
from portal.accounts.services import refuse_demo_data
from portal.extensions import db

app = create_app()

if app.config["ENV"] == "production":
    # The one start-up check that needs the database: never serve demo accounts.
    with app.app_context():
        refuse_demo_data(db.session)
        db.session.remove()
