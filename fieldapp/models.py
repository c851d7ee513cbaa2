"""Import every area's models so metadata (and Alembic) knows each table."""

from fieldapp.assessment.models import AssessmentWeight
from fieldapp.audit.models import AuditEntry
from fieldapp.auth.models import ApiToken, SignInFailure, User, user_villages
from fieldapp.contacts.models import ContactAttempt
from fieldapp.contracts.models import Contract, ServicePackage, Team, TeamMember
from fieldapp.dbtypes import Counter
from fieldapp.followups.models import Enrollment, FollowUp, Visit
from fieldapp.healthchecks.models import HealthCheck
from fieldapp.imports.models import ImportedFollowUp, ImportedResident, ImportRun
from fieldapp.messaging.models import InboundMessage, Message, PushDelivery, PushSubscription, SmsOptOut
from fieldapp.org.models import Facility, Township, Village
from fieldapp.patrols.models import Patrol
from fieldapp.referrals.models import Referral, ReferralEscalation
from fieldapp.replies.models import Reply, ReplyResident
from fieldapp.reports.models import FollowUpYear, ScreeningYear
from fieldapp.residents.models import Resident
from fieldapp.screenings.models import Screening, ScreeningOutcome
from fieldapp.training.models import GuidanceVisit, Training, training_attendees
from fieldapp.verifications.models import Verification, VerificationDraw

__all__ = [
    "ApiToken",
    "AssessmentWeight",
    "AuditEntry",
    "ContactAttempt",
    "Contract",
    "Counter",
    "Enrollment",
    "Facility",
    "FollowUp",
    "FollowUpYear",
    "GuidanceVisit",
    "HealthCheck",
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
    "Reply",
    "ReplyResident",
    "Resident",
    "Screening",
    "ScreeningOutcome",
    "ScreeningYear",
    "ServicePackage",
    "SignInFailure",
    "SmsOptOut",
    "Team",
    "TeamMember",
    "Township",
    "Training",
    "User",
    "Verification",
    "VerificationDraw",
    "Village",
    "Visit",
    "training_attendees",
    "user_villages",
]
