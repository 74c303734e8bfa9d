"""Flask extensions, created unbound here and bound to the app in create_app."""

from flask_compress import Compress
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base shared by every model."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
compress = Compress()
socketio = SocketIO()
