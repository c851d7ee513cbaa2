"""Import every area's models so metadata (and Alembic) knows each table."""

from fieldapp.audit.models import AuditEntry
from fieldapp.auth.models import ApiToken, SignInFailure, User, user_villages
from fieldapp.dbtypes import Counter
from fieldapp.followups.models import Enrollment, FollowUp, Visit
from fieldapp.imports.models import ImportedFollowUp, ImportedResident, ImportRun
from fieldapp.messaging.models import InboundMessage, Message, PushDelivery, PushSubscription, SmsOptOut
from fieldapp.org.models import Facility, Township, Village
from fieldapp.patrols.models import Patrol
from fieldapp.referrals.models import Referral, ReferralEscalation
from fieldapp.residents.models import Resident

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Counter",
    "Enrollment",
    "Facility",
    "FollowUp",
    "ImportRun",
    "ImportedFollowUp",
    "ImportedResident",
    "InboundMessage",
    "Message",
    "Patrol",
    "PushDelivery",
    "PushSubscription",
    "Referral",
    "ReferralEscalation",
    "Resident",
    "SignInFailure",
    "SmsOptOut",
    "Township",
    "User",
    "Village",
    "Visit",
    "user_villages",
]
