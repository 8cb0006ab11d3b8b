"""The database tables. Every schema change goes through a migration in migrations/.

Piccolo cannot declare composite unique constraints, so those are created by raw SQL in the
migrations (see the `*_unique` indexes there) and named in comments here.
"""

from piccolo.columns import (
    JSON,
    UUID,
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    OnDelete,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Province(Table, tablename="provinces"):
    code = Varchar(length=2, unique=True)  # official two-digit code, e.g. "31" Hải Phòng
    name = Varchar(length=100)  # "Thành phố Hải Phòng"
    short_name = Varchar(length=100)  # "Hải Phòng"
    report_prefix = Varchar(length=4, unique=True)  # "HP", the start of every tracking code
    lat = DoublePrecision()
    lon = DoublePrecision()


class Ward(Table, tablename="wards"):
    code = Varchar(length=5, unique=True)  # official five-digit code, e.g. "11446" Phù Liễn
    name = Varchar(length=100)  # "Phường Phù Liễn"
    short_name = Varchar(length=100, index=True)  # "Phù Liễn"
    kind = Varchar(length=20)  # Xã | Phường | Đặc khu
    province = ForeignKey(Province, on_delete=OnDelete.restrict, index=True)
    lat = DoublePrecision()  # centroid
    lon = DoublePrecision()
    area_km2 = DoublePrecision(null=True, default=None)  # unknown for a few communes
    boundary = JSON(null=True, default=None)  # GeoJSON geometry, from import-boundaries


class Category(Table, tablename="categories"):
    code = Varchar(length=40, unique=True)
    name_vi = Varchar(length=120)
    name_en = Varchar(length=120)
    # Exactly one of the two is set: ordinary cases count working days, urgent ones hours.
    deadline_working_days = SmallInt(null=True, default=None)
    deadline_hours = SmallInt(null=True, default=None)
    urgent = Boolean(default=False)
    sort_order = SmallInt(default=0)
    active = Boolean(default=True)


class Person(Table, tablename="people"):
    """Staff with a login, and residents, who may be no more than an anonymous device."""

    username = Varchar(length=60, unique=True, null=True, default=None)
    password_hash = Varchar(length=200, null=True, default=None)  # argon2id
    display_name = Varchar(length=120, default="")
    title = Varchar(length=120, default="")  # e.g. "Chủ tịch UBND phường", signs apology slips
    phone = Varchar(length=20, null=True, default=None)
    email = Varchar(length=200, null=True, default=None)
    # Residents who never sign in are known by a random token kept in their browser/app.
    device_identity = Varchar(length=64, unique=True, null=True, default=None)
    language = Varchar(length=2, default="vi")
    # What this person wants pushed to their devices: see notifications/preferences.py.
    preferences = JSON(default="{}")
    is_admin = Boolean(default=False)
    is_active = Boolean(default=True)
    # Set when an administrator resets the password: the workspace waits for a new one.
    must_change_password = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)


class StaffRole(Table, tablename="staff_roles"):
    """A person's role with its scope: a ward for ward roles, a province for supervisors."""

    person = ForeignKey(Person, on_delete=OnDelete.cascade, index=True)
    role = Varchar(length=30)  # officer | ward_lead | clerk | inspector | province_supervisor
    ward = ForeignKey(Ward, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    province = ForeignKey(Province, null=True, default=None, on_delete=OnDelete.cascade)
    created_at = Timestamptz(default=TimestamptzNow())


class CodeCounter(Table, tablename="code_counters"):
    """Per province and month sequence behind tracking codes (HP-2611-0042)."""

    key = Varchar(length=16, unique=True)  # "HP-2611"
    last_value = Integer(default=0)


class Report(Table, tablename="reports"):
    """A resident's problem. The row is a projection of its append-only events."""

    code = Varchar(length=20, unique=True)
    ward = ForeignKey(Ward, on_delete=OnDelete.restrict, index=True)
    category = ForeignKey(Category, on_delete=OnDelete.restrict, index=True)
    status = Varchar(length=20, default="received", index=True)
    description = Text()
    lat = DoublePrecision(index=True)
    lon = DoublePrecision(index=True)
    location_source = Varchar(length=10, default="gps")  # gps | map | exif | address
    # Private: may be a home address. Never on public surfaces.
    address = Text(default="")
    channel = Varchar(length=10, default="web")  # web | app | counter | hotline | open311
    reporter = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.set_null)
    reporter_name = Varchar(length=120, default="")
    reporter_phone = Varchar(length=20, default="")
    reporter_email = Varchar(length=200, default="")
    show_name = Boolean(default=False)
    filed_by = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.set_null)
    assignee = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.set_null)
    duplicate_of = ForeignKey("self", null=True, default=None, on_delete=OnDelete.set_null)
    support_count = Integer(default=0)
    escalated = Boolean(default=False)
    idempotency_key = Varchar(length=100, unique=True, null=True, default=None)
    deadline = Timestamptz(index=True)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    updated_at = Timestamptz(default=TimestamptzNow())
    acknowledged_at = Timestamptz(null=True, default=None)
    resolved_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    # Report moderation (projected from text_* and photo_* events, see reporting/projection.py):
    # what the public may read of the description, and which photos are withheld.
    description_state = Varchar(length=10, default="visible")  # visible | pending | redacted | restored
    redacted_description = Text(default="")  # shown instead of the description while redacted
    photo_moderation = Text(default="")  # "digest:pending|hidden|restored ..." for moderated photos


class ReportEvent(Table, tablename="report_events"):
    """Append-only history of a report: who did what, when, with public and internal text."""

    report = ForeignKey(Report, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=20)  # created | status | comment | note | assigned | apology | ...
    actor = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.set_null)
    from_status = Varchar(length=20, null=True, default=None)
    to_status = Varchar(length=20, null=True, default=None)
    public_text = Text(default="")
    internal_note = Text(default="")
    is_public = Boolean(default=True)
    data = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)


class Photo(Table, tablename="photos"):
    """A processed, metadata-free photo; files are addressed by the SHA-256 of their bytes."""

    report = ForeignKey(Report, on_delete=OnDelete.cascade, index=True)
    event = ForeignKey(ReportEvent, null=True, default=None, on_delete=OnDelete.set_null)
    stage = Varchar(length=10, default="before")  # before | after
    digest = Varchar(length=64, index=True)
    width = Integer()
    height = Integer()
    position = SmallInt(default=0)
    created_at = Timestamptz(default=TimestamptzNow())


class Follow(Table, tablename="follows"):
    """A person follows a report or a ward. Unique per (person, report) and (person, ward)."""

    person = ForeignKey(Person, on_delete=OnDelete.cascade, index=True)
    report = ForeignKey(Report, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    ward = ForeignKey(Ward, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    created_at = Timestamptz(default=TimestamptzNow())


class Device(Table, tablename="devices"):
    """A device registered for push, by its Firebase installation id. Private."""

    person = ForeignKey(Person, on_delete=OnDelete.cascade, index=True)
    fid = Varchar(length=255, unique=True)
    platform = Varchar(length=10)  # web | android | ios
    created_at = Timestamptz(default=TimestamptzNow())
    last_seen_at = Timestamptz(default=TimestamptzNow())
    # Abuse limits: SHA-256 of the installation secret given at first registration; the fid
    # moves to another resident only when the same secret is shown (devices.register).
    secret_hash = Varchar(length=64, null=True, default="")


class Outbox(Table, tablename="outbox"):
    """Notifications to deliver, written in the same transaction as the change causing them."""

    recipient = ForeignKey(Person, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=40)
    report = ForeignKey(Report, null=True, default=None, on_delete=OnDelete.cascade)
    payload = JSON(default="{}")
    urgent = Boolean(default=False)
    state = Varchar(length=10, default="pending", index=True)  # pending | sent | failed
    attempts = SmallInt(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow(), index=True)
    claimed_at = Timestamptz(null=True, default=None)
    claimed_by = Varchar(length=64, null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)


class InboxNotification(Table, tablename="inbox"):
    """The in-app inbox: always delivered, rendered in the reader's language when shown."""

    person = ForeignKey(Person, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=40)
    report = ForeignKey(Report, null=True, default=None, on_delete=OnDelete.cascade)
    payload = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    read_at = Timestamptz(null=True, default=None)


class GovernmentAction(Table, tablename="government_actions"):
    """Something a government publishes (công khai): decision, budget, plan, notice, result."""

    ward = ForeignKey(Ward, on_delete=OnDelete.restrict, index=True)
    kind = Varchar(length=20)  # decision | budget | plan | land | inspection | notice | result
    title = Varchar(length=300)
    body = Text(default="")
    effective_date = Timestamptz(null=True, default=None)
    author = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.set_null)
    published_at = Timestamptz(default=TimestamptzNow(), index=True)


class Rating(Table, tablename="ratings"):
    """A reporter's 1–5 star rating of how their closed report was handled; one per report."""

    report = ForeignKey(Report, unique=True, on_delete=OnDelete.cascade)
    person = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.set_null)
    stars = SmallInt()
    comment = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class Support(Table, tablename="supports"):
    """A resident's "me too" on an open report; one per (person, report), by a unique index."""

    person = ForeignKey(Person, on_delete=OnDelete.cascade, index=True)
    report = ForeignKey(Report, on_delete=OnDelete.cascade, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    # Abuse limits: a keyed hash of the supporter's network (abuse_limits.network_fingerprint),
    # so the public count says how many networks the supports came from.
    network = Varchar(length=24, null=True, default="")


class DeadlineMark(Table, tablename="deadline_marks"):
    """What the deadline sweep has done for one deadline of one report: 'warned' the day
    before, 'overdue' once missed. Unique per (report, kind, deadline), so that two sweeps
    running at once cannot write two apology slips for one missed deadline."""

    report = ForeignKey(Report, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=10)
    deadline = Timestamptz()
    created_at = Timestamptz(default=TimestamptzNow())


class ActionAttachment(Table, tablename="action_attachments"):
    """A PDF or an image published with a government action; files addressed by SHA-256."""

    action = ForeignKey(GovernmentAction, on_delete=OnDelete.cascade, index=True)
    filename = Varchar(length=200)
    kind = Varchar(length=10)  # pdf | image
    digest = Varchar(length=64)
    size = Integer()
    position = SmallInt(default=0)


class ActionReport(Table, tablename="action_reports"):
    """A government action answers a report; the report's page shows it. Unique per pair."""

    action = ForeignKey(GovernmentAction, on_delete=OnDelete.cascade, index=True)
    report = ForeignKey(Report, on_delete=OnDelete.cascade, index=True)


class ApiKey(Table, tablename="api_keys"):
    """A key an admin issued to a partner for Open311 POST requests; only its hash is kept."""

    name = Varchar(length=120)
    key_hash = Varchar(length=64, unique=True)
    created_by = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.set_null)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)


class AuditEntry(Table, tablename="audit_log"):
    """Who changed which account or partner key, and how; written in the change's transaction.
    Never holds a password or a key."""

    actor = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.set_null)
    action = Varchar(length=40)  # account_created | role_granted | password_reset | key_issued | ...
    target = Varchar(length=200)  # what was changed, readable even after it is gone
    person = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    # The province the change lies in, so that a province supervisor reads its own entries.
    province = ForeignKey(Province, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    details = JSON(default="{}")
    created_at = Timestamptz(index=True)


# Participation: consultations (Law 10/2022, Art. 25), residents verified by the ward, and
# public comments with flags and moderation, shared by consultations and proposals.


class ResidentialGroup(Table, tablename="residential_groups"):
    """A thôn or tổ dân phố under a ward, where households live. Unique per (ward, name)."""

    ward = ForeignKey(Ward, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=120)  # "Tổ dân phố số 3"
    kind = Varchar(length=12, default="to_dan_pho")  # to_dan_pho | thon
    households = Integer(null=True, default=None)  # as registered by the ward, when known
    created_at = Timestamptz(default=TimestamptzNow())


class Consultation(Table, tablename="consultations"):
    """A draft put to the residents of a ward (or of some of its groups) for their opinion,
    closed by a published synthesis (báo cáo tổng hợp, tiếp thu, giải trình)."""

    ward = ForeignKey(Ward, on_delete=OnDelete.restrict, index=True)
    matter = Varchar(length=30)  # one of the matters of Art. 25: see participation/consultations.py
    title = Varchar(length=300)
    summary = Text(default="")
    opens_at = Timestamptz(index=True)
    closes_at = Timestamptz(index=True)
    results_while_open = Boolean(default=False)  # live results, or only once closed
    author = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.set_null)
    # The date the synthesis is promised for: set at creation, moved by an apology slip.
    synthesis_due = Timestamptz(index=True)
    synthesis = ForeignKey(GovernmentAction, null=True, default=None, on_delete=OnDelete.set_null)
    synthesis_published_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class ConsultationGroup(Table, tablename="consultation_groups"):
    """A residential group a consultation is put to; none means the whole ward."""

    consultation = ForeignKey(Consultation, on_delete=OnDelete.cascade, index=True)
    group = ForeignKey(ResidentialGroup, on_delete=OnDelete.cascade)


class ConsultationDocument(Table, tablename="consultation_documents"):
    """The draft and its annexes: PDFs kept as sent, images through the photo pipeline."""

    consultation = ForeignKey(Consultation, on_delete=OnDelete.cascade, index=True)
    filename = Varchar(length=200)
    kind = Varchar(length=10)  # pdf | image
    digest = Varchar(length=64)
    size = Integer()
    position = SmallInt(default=0)


class ConsultationQuestion(Table, tablename="consultation_questions"):
    consultation = ForeignKey(Consultation, on_delete=OnDelete.cascade, index=True)
    position = SmallInt(default=0)
    kind = Varchar(length=10)  # comment | single | multiple | scale
    prompt = Varchar(length=300)
    options = JSON(default="[]")  # the choices of a single or multiple choice question


class ConsultationAnswer(Table, tablename="consultation_answers"):
    """One person's answers to one consultation, changed in place until it closes. Unique per
    (consultation, person): consultation_answers_unique."""

    consultation = ForeignKey(Consultation, on_delete=OnDelete.cascade, index=True)
    person = ForeignKey(Person, on_delete=OnDelete.cascade, index=True)
    verified = Boolean(default=False)  # a resident the ward verified, of the consultation's scope
    answers = JSON(default="{}")  # {question id: text | choice index | [choice indexes] | 1–5}
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ConsultationMark(Table, tablename="consultation_marks"):
    """What the consultation sweep has done: 'opened', 'closing' (the day before), 'overdue'
    (an apology slip for a late synthesis, in `data`). Unique per (consultation, kind,
    deadline): consultation_marks_unique, so that two sweeps never do a thing twice."""

    consultation = ForeignKey(Consultation, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=10)
    deadline = Timestamptz()
    data = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow())


class VerificationCode(Table, tablename="verification_codes"):
    """A single-use code a clerk or group head hands to a resident met in person. Only the
    code's SHA-256 is kept; no identity document number is ever stored."""

    code_hash = Varchar(length=64, unique=True)
    ward = ForeignKey(Ward, on_delete=OnDelete.cascade, index=True)
    group = ForeignKey(ResidentialGroup, null=True, default=None, on_delete=OnDelete.set_null)
    issued_by = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    used_by = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.set_null)


class VerifiedResident(Table, tablename="verified_residents"):
    """A device identity the ward verified in person. Unique per (person, ward):
    verified_residents_unique."""

    person = ForeignKey(Person, on_delete=OnDelete.cascade, index=True)
    ward = ForeignKey(Ward, on_delete=OnDelete.cascade, index=True)
    group = ForeignKey(ResidentialGroup, null=True, default=None, on_delete=OnDelete.set_null)
    verified_by = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.set_null)
    verified_at = Timestamptz()


class Comment(Table, tablename="comments"):
    """A public comment on a consultation or a proposal (target_kind + target_id). The author
    is never shown: the public sees "a resident" or the group the ward verified them in."""

    target_kind = Varchar(length=20)  # consultation | proposal
    target_id = Integer()
    parent = ForeignKey("self", null=True, default=None, on_delete=OnDelete.cascade)
    person = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.set_null)
    author_group = Varchar(length=120, default="")  # the verified group's name when written
    body = Text()
    support_count = Integer(default=0)
    flag_count = Integer(default=0)
    # visible | pending (hidden by flags until a moderator decides) | hidden | restored
    state = Varchar(length=10, default="visible", index=True)
    moderation_reason = Text(default="")  # public
    moderated_by = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.set_null)
    moderated_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class CommentSupport(Table, tablename="comment_supports"):
    """One per (comment, person): comment_supports_unique."""

    comment = ForeignKey(Comment, on_delete=OnDelete.cascade, index=True)
    person = ForeignKey(Person, on_delete=OnDelete.cascade)
    created_at = Timestamptz(default=TimestamptzNow())


class Flag(Table, tablename="flags"):
    """Someone flagged a comment or a report as spam, offensive or off-topic. One per
    (target_kind, target_id, person): flags_unique."""

    target_kind = Varchar(length=20, index=True)  # comment | report (its description) | photo (a report's)
    target_id = Integer(index=True)
    person = ForeignKey(Person, on_delete=OnDelete.cascade)
    reason = Varchar(length=12)  # spam | offensive | off_topic | personal
    created_at = Timestamptz(default=TimestamptzNow())


class WardParticipation(Table, tablename="ward_participation"):
    """A ward's settings for resident proposals; a ward without a row uses the defaults in
    app/participation/proposals.py. Unique per ward."""

    ward = ForeignKey(Ward, unique=True, on_delete=OnDelete.cascade)
    population = Integer(null=True, default=None)  # where known: thresholds may be a share of it
    support_threshold = Integer(null=True, default=None)  # supports that make an answer due
    threshold_percent = DoublePrecision(null=True, default=None)  # of the population, if known
    period_days = SmallInt(null=True, default=None)  # how long a proposal gathers supports
    answer_working_days = SmallInt(null=True, default=None)


class Proposal(Table, tablename="proposals"):
    """A resident's proposal (sáng kiến, kiến nghị) for their ward. Past its threshold of
    supports within its period, the ward must answer it publicly by a deadline."""

    ward = ForeignKey(Ward, on_delete=OnDelete.restrict, index=True)
    title = Varchar(length=200)
    description = Text()
    lat = DoublePrecision(null=True, default=None)
    lon = DoublePrecision(null=True, default=None)
    # Private: who proposed it; never on public surfaces.
    proposer = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.set_null)
    # open | due | answered (declined) | in_progress (accepted, whole or in part) | done | expired
    state = Varchar(length=12, default="open", index=True)
    support_count = Integer(default=0)
    threshold = Integer()  # fixed when proposed, so later settings do not move the goal
    closes_at = Timestamptz(index=True)  # end of the period for gathering supports
    reached_at = Timestamptz(null=True, default=None)
    answer_deadline = Timestamptz(null=True, default=None, index=True)
    answer_overdue = Boolean(default=False)  # set by the sweep when the deadline passed unanswered
    answer_kind = Varchar(length=10, null=True, default=None)  # accepted | partial | declined
    answer_text = Text(default="")
    answered_at = Timestamptz(null=True, default=None)
    answered_by = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.set_null)
    progress = SmallInt(default=0)  # percent, for accepted proposals
    expired_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(index=True)
    updated_at = Timestamptz()


class ProposalSupport(Table, tablename="proposal_supports"):
    """One person's support of a proposal; unique per (proposal, person): proposal_supports_unique."""

    proposal = ForeignKey(Proposal, on_delete=OnDelete.cascade, index=True)
    person = ForeignKey(Person, on_delete=OnDelete.cascade, index=True)
    created_at = Timestamptz()


class ProposalUpdate(Table, tablename="proposal_updates"):
    """A public progress update on an accepted proposal: text and the percentage reached."""

    proposal = ForeignKey(Proposal, on_delete=OnDelete.cascade, index=True)
    author = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.set_null)
    text = Text(default="")
    progress = SmallInt()
    created_at = Timestamptz()


class ProposalMilestone(Table, tablename="proposal_milestones"):
    """A step of an accepted proposal's plan, with its planned date and when it was reached."""

    proposal = ForeignKey(Proposal, on_delete=OnDelete.cascade, index=True)
    title = Varchar(length=200)
    planned_on = Timestamptz()
    reached_at = Timestamptz(null=True, default=None)
    position = SmallInt(default=0)


class ProposalPhoto(Table, tablename="proposal_photos"):
    """A processed, metadata-free photo of a proposal, or of one of its progress updates."""

    proposal = ForeignKey(Proposal, on_delete=OnDelete.cascade, index=True)
    update = ForeignKey(ProposalUpdate, null=True, default=None, on_delete=OnDelete.cascade)
    digest = Varchar(length=64, index=True)
    width = Integer()
    height = Integer()
    position = SmallInt(default=0)


class InspectionRequest(Table, tablename="inspection_requests"):
    """The people's inspection board asks the ward to explain a report, consultation, proposal
    or government action; the ward lead answers publicly by a deadline in working days."""

    ward = ForeignKey(Ward, on_delete=OnDelete.restrict, index=True)
    target_kind = Varchar(length=20)  # report | consultation | proposal | action
    target_id = Integer()
    question = Text()
    asked_by = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.set_null)
    asked_at = Timestamptz(index=True)
    deadline = Timestamptz(index=True)
    overdue = Boolean(default=False)  # set by the sweep when the deadline passed unanswered
    answer = Text(default="")
    answered_by = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.set_null)
    answered_at = Timestamptz(null=True, default=None)


class SupervisionReport(Table, tablename="supervision_reports"):
    """The inspection board's yearly supervision report, published on the ward's page."""

    ward = ForeignKey(Ward, on_delete=OnDelete.restrict, index=True)
    year = SmallInt()
    title = Varchar(length=300)
    body = Text(default="")
    author = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.set_null)
    published_at = Timestamptz(index=True)


class SupervisionAttachment(Table, tablename="supervision_attachments"):
    """A PDF or an image published with a supervision report; files addressed by SHA-256."""

    supervision_report = ForeignKey(SupervisionReport, on_delete=OnDelete.cascade, index=True)
    filename = Varchar(length=200)
    kind = Varchar(length=10)  # pdf | image
    digest = Varchar(length=64)
    size = Integer()
    position = SmallInt(default=0)


# Household decisions (bàn và quyết định, Law 10/2022 Art. 15): the household register of each
# residential group, the decisions its households take by secret ballot, the single-use codes
# on the printed ballot sheets and the ballots. What the database can and cannot tell about a
# household's choice is stated in docs/ballot-secrecy.md.


class Household(Table, tablename="households"):
    """A household of a residential group, by the label the ward gives it ("Hộ số 17"): no
    name, no ID number. Unique per (group, label). A household that left stays, inactive, so
    the decisions it had a say in keep their electorate."""

    group = ForeignKey(ResidentialGroup, on_delete=OnDelete.cascade, index=True)
    label = Varchar(length=60)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class GroupHead(Table, tablename="group_heads"):
    """Which staff account heads a residential group (tổ trưởng, trưởng thôn): a group head
    keeps the register and runs the decisions of the groups they head, and no others."""

    group = ForeignKey(ResidentialGroup, on_delete=OnDelete.cascade, unique=True)
    person = ForeignKey(Person, on_delete=OnDelete.cascade, index=True)


class HouseholdDecision(Table, tablename="household_decisions"):
    """A matter the households of one or more residential groups decide: by secret ballot
    with printed single-use codes, or at a community meeting whose tallies are recorded."""

    ward = ForeignKey(Ward, on_delete=OnDelete.restrict, index=True)
    kind = Varchar(length=12)  # works | fund | convention | election
    method = Varchar(length=8, default="ballot")  # ballot | meeting
    title = Varchar(length=300)
    summary = Text(default="")
    opens_at = Timestamptz(index=True)
    closes_at = Timestamptz(index=True)
    # Passes when approvals × threshold_den > threshold_num × registered ("more than half": 1/2).
    threshold_num = SmallInt(default=1)
    threshold_den = SmallInt(default=2)
    seats = SmallInt(null=True, default=None)  # an election's seats to fill
    registered = Integer()  # households of the scope at opening: the denominator, fixed
    author = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    closed_at = Timestamptz(null=True, default=None)
    meeting_on = Date(null=True, default=None)  # the day of the community meeting, if recorded
    outcome = JSON(null=True, default=None)  # as computed at closing: see decisions.outcome
    outcome_action = ForeignKey(GovernmentAction, null=True, default=None, on_delete=OnDelete.set_null)


class DecisionGroup(Table, tablename="decision_groups"):
    """A residential group in a decision's scope, with its registered households at opening."""

    decision = ForeignKey(HouseholdDecision, on_delete=OnDelete.cascade, index=True)
    group = ForeignKey(ResidentialGroup, on_delete=OnDelete.restrict)
    registered = Integer()


class DecisionOption(Table, tablename="decision_options"):
    """Approve / disapprove / abstain, or an election's candidates, in order."""

    decision = ForeignKey(HouseholdDecision, on_delete=OnDelete.cascade, index=True)
    position = SmallInt()
    label = Varchar(length=200)
    meeting_tally = Integer(null=True, default=None)  # recorded from a community meeting


class DecisionDocument(Table, tablename="decision_documents"):
    """The documents put to the households, and a meeting's minutes (`minutes`)."""

    decision = ForeignKey(HouseholdDecision, on_delete=OnDelete.cascade, index=True)
    filename = Varchar(length=200)
    kind = Varchar(length=10)  # pdf | image
    digest = Varchar(length=64)
    size = Integer()
    position = SmallInt(default=0)
    minutes = Boolean(default=False)


class BallotCode(Table, tablename="ballot_codes"):
    """One household's say in one decision, made at opening (the electorate is fixed then).
    The printed code is kept only as its SHA-256, set when the sheet is printed; `used` has no
    time on purpose. Unique per (decision, household); `code_hash` unique."""

    decision = ForeignKey(HouseholdDecision, on_delete=OnDelete.cascade, index=True)
    household = ForeignKey(Household, on_delete=OnDelete.restrict)
    code_hash = Varchar(length=64, null=True, default=None, unique=True)
    used = Boolean(default=False)


class Ballot(Table, tablename="ballots"):
    """A secret ballot: which decision, what was chosen, which day. A random id, and no code,
    household, person, device or time of day: nothing that leads back to who cast it."""

    id = UUID(primary_key=True)
    decision = ForeignKey(HouseholdDecision, on_delete=OnDelete.cascade, index=True)
    choices = JSON(default="[]")  # option positions chosen (an election: up to `seats` of them)
    cast_on = Date()


# Participation: the ward satisfaction survey (Bắc Giang's "friendly government", the criteria of
# Decision 766/QĐ-TTg). Answers are anonymous: what is stored, and what is not, is in
# docs/data-model.md. Random ids (UUIDs), so that no row tells the order answers arrived in.


class WardSurvey(Table, tablename="ward_surveys"):
    """A ward's own survey period; a ward without a row uses SURVEY_PERIOD_MONTHS. Unique per ward."""

    ward = ForeignKey(Ward, unique=True, on_delete=OnDelete.cascade)
    period_months = SmallInt()  # 1, 2, 3, 4, 6 or 12; periods start in January


class SurveyAnswer(Table, tablename="survey_answers"):
    """One anonymous answer to a ward's survey: no person, no device, no time finer than the
    period. Indexed by (ward, period): survey_answers_ward_period."""

    id = UUID(primary_key=True)
    ward = ForeignKey(Ward, on_delete=OnDelete.cascade)
    period = Varchar(length=12)  # "2026-01-6m": the period's first month and its length
    overall = SmallInt()  # 1–5
    timeliness = SmallInt()  # 1–5
    attitude = SmallInt()  # 1–5
    visits = SmallInt()  # 1, 2, or 3 for three or more
    publicity = Varchar(length=6)  # yes | partly | no
    comment = Text(default="")  # read by the ward's staff only, never public


class SurveyMark(Table, tablename="survey_marks"):
    """This device (person) has answered this ward's survey in this period, and nothing about
    the answer. Unique per (ward, period, person): survey_marks_unique."""

    id = UUID(primary_key=True)
    ward = ForeignKey(Ward, on_delete=OnDelete.cascade)
    period = Varchar(length=12)
    person = ForeignKey(Person, on_delete=OnDelete.cascade)  # indexed: survey_marks_person


# --- The public read path at a million reports (issue 13) ---


class ReportCount(Table, tablename="report_counts"):
    """How many reports a ward received on a day (UTC), by status and category: kept by
    app/reporting/counters.py in the same transaction as each change to a report, so the pages
    that show counts read a few rows instead of counting millions."""

    ward = ForeignKey(Ward, on_delete=OnDelete.cascade)
    day = Date()
    status = Varchar(length=20)
    category = ForeignKey(Category, on_delete=OnDelete.cascade)
    n = Integer(default=0)


class WardIndexSnapshot(Table, tablename="ward_index_snapshots"):
    """A ward's service index as last computed by the sweep (app/transparency/index_snapshots.py).

    `changes` counts the writes that could move the index (bumped in the same transaction as
    each change to one of the ward's reports or ratings); the snapshot is served only while
    `computed_changes` still equals it and it is younger than its maximum age, so a change is
    never hidden behind it."""

    ward = ForeignKey(Ward, on_delete=OnDelete.cascade, unique=True)
    changes = Integer(default=0)
    computed_changes = Integer(default=-1)
    computed_at = Timestamptz(null=True, default=None)
    payload = Text(default="")  # the ServiceIndex as JSON; empty until first computed


class MapCell(Table, tablename="map_cells"):
    """How many reports of a status lie in one cell of the map's grid at one zoom level, with
    the sums of their positions (for the cluster's centre): kept by app/reporting/counters.py
    in the same transaction as each change, so the zoomed-out map reads a few hundred cells
    instead of walking every report in a 30 km view. Unique (zoom, y, x, status)."""

    zoom = SmallInt()
    y = Integer()  # the cell's row: ⌊(lat + 90) / size⌋, size the zoom's cell in degrees
    x = Integer()  # its column: ⌊(lon + 180) / size⌋
    status = Varchar(length=20)
    n = Integer(default=0)
    lat_sum = DoublePrecision(default=0.0)
    lon_sum = DoublePrecision(default=0.0)
