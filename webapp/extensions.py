"""Flask extensions, created unbound here and bound to the app in create_app."""

from flask import Flask, current_app
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base shared by every model."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
compress = Compress()
socketio = SocketIO()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def current_event(app: Flask | None = None):
    """Return the event app (else the current app) serves: a webapp.program.eventdata.EventData.

    The one reader of app.extensions["event"] (webapp.program.eventstore sets it). Not annotated with
    the type: the base layer does not import a feature, not even for a type.
    """
    return (app or current_app).extensions["event"]
