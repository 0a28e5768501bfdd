"""Wire models: the one copy shared by the API, the workers and the clients."""

from schemas.context import ContextResponse
from schemas.export import CustomerExport, InteractionExport, UtteranceOut
from schemas.handoff import HandoffBrief, HandoffIdentity, HandoffRequest, HandoffSentiment, ProvidedFact
from schemas.health import Health, Readiness
from schemas.interactions import (
    Channel,
    CustomerIn,
    IdentifierIn,
    InteractionAccepted,
    InteractionEnd,
    InteractionIn,
    InteractionStatus,
    LiveInteractionIn,
    UtteranceIn,
    UtterancesAppended,
    UtterancesIn,
)
from schemas.keys import KeyInfo
from schemas.observations import ObservationCorrection, ObservationOut, ObservationPage, Source
from schemas.profiles import Profile, TraitOut
from schemas.recall import RecallItem, RecallRequest, RecallResponse

__all__ = [
    "Channel",
    "ContextResponse",
    "CustomerExport",
    "CustomerIn",
    "HandoffBrief",
    "HandoffIdentity",
    "HandoffRequest",
    "HandoffSentiment",
    "Health",
    "IdentifierIn",
    "InteractionAccepted",
    "InteractionEnd",
    "InteractionExport",
    "InteractionIn",
    "InteractionStatus",
    "KeyInfo",
    "LiveInteractionIn",
    "ObservationCorrection",
    "ObservationOut",
    "ObservationPage",
    "Profile",
    "ProvidedFact",
    "Readiness",
    "RecallItem",
    "RecallRequest",
    "RecallResponse",
    "Source",
    "TraitOut",
    "UtteranceIn",
    "UtteranceOut",
    "UtterancesAppended",
    "UtterancesIn",
]
