"""Wire models: the one copy shared by the API, the workers and the clients."""

from schemas.interactions import (
    Channel,
    CustomerIn,
    IdentifierIn,
    InteractionAccepted,
    InteractionIn,
    InteractionStatus,
    UtteranceIn,
)
from schemas.observations import ObservationOut, ObservationPage, Source
from schemas.profiles import Profile, TraitOut
from schemas.recall import RecallItem, RecallRequest, RecallResponse

__all__ = [
    "Channel",
    "CustomerIn",
    "IdentifierIn",
    "InteractionAccepted",
    "InteractionIn",
    "InteractionStatus",
    "ObservationOut",
    "ObservationPage",
    "Profile",
    "RecallItem",
    "RecallRequest",
    "RecallResponse",
    "Source",
    "TraitOut",
    "UtteranceIn",
]
