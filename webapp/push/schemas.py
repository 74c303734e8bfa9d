"""The push endpoints' request and response bodies as pydantic models; the OpenAPI document is made from them.

Shapes and sizes are checked here (spectree, before the view runs); what needs more than a shape (the
keys' decoded sizes, the endpoint's push service, that the sessions exist) in subscriptions.parse.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from webapp.ids import Id

MAX_SESSIONS = 100  # as many as /agenda.ics takes (webapp/web/exchange.py MAX_IDS)
MAX_ENDPOINT = 1000
MAX_KEY = 200
Lang = Literal["ko", "en"]
# A browser serialises a URL as printable ASCII (hosts in punycode, the rest percent-encoded).
Endpoint = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ENDPOINT, pattern=r"^[!-~]+$")]
Key = Annotated[str, StringConstraints(max_length=MAX_KEY)]


class SubscriptionKeys(BaseModel):
    """The subscription's keys for message encryption (RFC 8291), base64url."""

    p256dh: Key = Field(description="The browser's P-256 public key: 65 bytes, base64url.")
    auth: Key = Field(description="The authentication secret: 16 bytes, base64url.")


class BrowserSubscription(BaseModel):
    """What the browser's PushSubscription.toJSON() gives; other fields (expirationTime) are ignored."""

    model_config = ConfigDict(extra="ignore")
    endpoint: Endpoint = Field(description="The push service's https:// URL for this browser.")
    keys: SubscriptionKeys


class Subscribe(BaseModel):
    """This browser's subscription, the sessions it follows and the language of its notices."""

    subscription: BrowserSubscription
    sessions: list[Id] = Field(
        max_length=MAX_SESSIONS, description="Known session ids; none to follow nothing."
    )
    lang: Lang


class Unsubscribe(BaseModel):
    """The subscription to remove, by its endpoint."""

    endpoint: Endpoint


class Subscribed(BaseModel):
    """The subscription as stored."""

    sessions: list[Id]
    lang: Lang


class PushKey(BaseModel):
    """The key browsers subscribe with."""

    public_key: str = Field(description="The VAPID public key (applicationServerKey), base64url.")
