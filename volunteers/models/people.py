"""Volunteers domain: contacts (volunteers, teachers, students), organizations, geography,
history, viewer access and merges.

Every model Salesforce syncs has a nullable unique `salesforce_id` and `last_synced_at`, so the
sync can upsert by Salesforce id; local-only fields (notes, local status, exclusions) are
marked in `LOCAL_ONLY_FIELDS` and never written by the sync.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from project.models import AuditedModel, SoftDeleteModel
from project.sql import PortableIndex

from .. import rules
from .base import Synced, bulk_written_created_at


# --------------------------------------------------------------------------- geography
class District(Synced, AuditedModel):
    name = models.CharField(max_length=200, unique=True)
    code = models.CharField(max_length=40, blank=True)

    class Meta(Synced.Meta):
        ordering = ["name"]
        # Without it a user sees only the districts assigned to them (ViewerDistrict).
        permissions = [("view_all_districts", "Can see every district's figures, not only their assigned ones")]

    def __str__(self):
        return self.name


class SchoolLevel(models.TextChoices):
    ELEMENTARY = "elementary", "Elementary"
    MIDDLE = "middle", "Middle"
    HIGH = "high", "High"
    OTHER = "other", "Other"


class School(Synced, AuditedModel):
    name = models.CharField(max_length=200)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="schools")
    level = models.CharField(max_length=12, choices=SchoolLevel.choices, default=SchoolLevel.OTHER)
    code = models.CharField(max_length=40, blank=True)

    class Meta(Synced.Meta):
        ordering = ["name"]
        constraints = [
            *Synced.Meta.constraints,
            models.UniqueConstraint(fields=["district", "name"], name="school_unique_name_per_district"),
        ]

    def __str__(self):
        return self.name


class SchoolAlias(AuditedModel):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "school aliases"

    def __str__(self):
        return self.name


# --------------------------------------------------------------------------- organizations
class Organization(Synced, AuditedModel):
    class Kind(models.TextChoices):
        BUSINESS = "business", "Business"
        NONPROFIT = "nonprofit", "Non-profit"
        GOVERNMENT = "government", "Government"
        EDUCATION = "education", "Education"
        OTHER = "other", "Other"

    name = models.CharField(max_length=255, db_index=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.OTHER)
    kind_source = models.CharField(max_length=100, blank=True, help_text="Type as received from the source system.")
    description = models.TextField(blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=40, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    last_activity_date = models.DateField(null=True, blank=True)

    class Meta(Synced.Meta):
        ordering = ["name"]

    def __str__(self):
        return self.name


class OrganizationAlias(AuditedModel):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=255, unique=True)
    is_auto_generated = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "organization aliases"

    def __str__(self):
        return self.name


class Skill(AuditedModel):
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="skill_unique_name_ci")]

    def __str__(self):
        return self.name


class SchoolClass(Synced, AuditedModel):
    """A class cohort of a school (Salesforce `Class__c`), e.g. "Class of 2028"."""

    name = models.CharField(max_length=200)
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.SET_NULL, related_name="classes")
    class_year = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta(Synced.Meta):
        ordering = ["school__name", "name"]
        verbose_name_plural = "school classes"

    def __str__(self):
        return self.name


# --------------------------------------------------------------------------- contacts
class Contact(Synced, AuditedModel):
    """Base of the contact hierarchy (multi-table inheritance: Volunteer, Teacher, Student)."""

    class Kind(models.TextChoices):
        VOLUNTEER = "volunteer", "Volunteer"
        TEACHER = "teacher", "Teacher"
        STUDENT = "student", "Student"

    created_at = bulk_written_created_at()

    class Salutation(models.TextChoices):
        NONE = "", "—"
        MR = "mr", "Mr."
        MS = "ms", "Ms."
        MRS = "mrs", "Mrs."
        DR = "dr", "Dr."
        PROF = "prof", "Prof."

    class Gender(models.TextChoices):
        UNKNOWN = "", "Not given"
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        NON_BINARY = "non_binary", "Non-binary"
        OTHER = "other", "Other"

    kind = models.CharField(max_length=10, choices=Kind.choices, editable=False)
    salutation = models.CharField(max_length=6, choices=Salutation.choices, blank=True)
    first_name = models.CharField(max_length=100)
    middle_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)  # contact_name_idx leads with it
    suffix = models.CharField(max_length=20, blank=True)
    birthdate = models.DateField(null=True, blank=True)
    gender = models.CharField(max_length=12, choices=Gender.choices, blank=True)
    race_ethnicity = models.CharField("race/ethnicity", max_length=100, blank=True)
    age_group = models.CharField(max_length=40, blank=True)
    do_not_call = models.BooleanField(default=False)
    do_not_contact = models.BooleanField(default=False)
    email_opt_out = models.BooleanField(default=False)
    email_bounced_at = models.DateTimeField(null=True, blank=True)
    exclude_from_reports = models.BooleanField(default=False, help_text="Local only: hidden from every report.")
    notes = models.TextField(blank=True, help_text="Local only: never overwritten by the sync.")

    LOCAL_ONLY_FIELDS = ("exclude_from_reports", "notes")

    class Meta(Synced.Meta):
        ordering = ["last_name", "first_name", "id"]
        # Plain b-trees declared here rather than `db_index=True`, which on PostgreSQL adds a
        # `varchar_pattern_ops` twin per text column that no query uses and every insert pays.
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="contact_name_idx"),
            models.Index(fields=["kind"], name="contact_kind_idx"),
        ]

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        # The discriminator follows the concrete class (Volunteer/Teacher/Student).
        self.kind = getattr(type(self), "CONTACT_KIND", self.kind) or self.kind
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name, self.suffix) if p)


class ContactDetail(AuditedModel):
    created_at = bulk_written_created_at()

    class Kind(models.TextChoices):
        PERSONAL = "personal", "Personal"
        WORK = "work", "Work"
        OTHER = "other", "Other"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PERSONAL)
    is_primary = models.BooleanField(default=False)

    class Meta:
        abstract = True


class ContactEmail(ContactDetail):
    # Not indexed alone: the unique (contact, email) pair leads with it.
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails", db_index=False)
    email = models.EmailField()

    class Meta:
        ordering = ["-is_primary", "email"]
        constraints = [
            models.UniqueConstraint(fields=["contact"], condition=Q(is_primary=True), name="email_one_primary"),
            models.UniqueConstraint(fields=["contact", "email"], name="email_unique_per_contact"),
        ]

    def __str__(self):
        return self.email


class ContactPhone(ContactDetail):
    # Not indexed alone: the unique (contact, number) pair leads with it.
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones", db_index=False)
    number = models.CharField(max_length=20, help_text="E.164, e.g. +18165551234")

    class Meta:
        ordering = ["-is_primary", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contact"], condition=Q(is_primary=True), name="phone_one_primary"),
            models.UniqueConstraint(fields=["contact", "number"], name="phone_unique_per_contact"),
        ]

    def __str__(self):
        return self.number


class ContactAddress(ContactDetail):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="addresses")
    street = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=40, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["-is_primary", "id"]
        verbose_name_plural = "contact addresses"
        constraints = [
            models.UniqueConstraint(fields=["contact"], condition=Q(is_primary=True), name="address_one_primary"),
        ]

    def __str__(self):
        return ", ".join(p for p in (self.street, self.city, self.state, self.postal_code) if p)


class LocalStatus(models.TextChoices):
    LOCAL = rules.LOCAL, "Local"
    PARTIAL = rules.PARTIAL, "Partial"
    NON_LOCAL = rules.NON_LOCAL, "Non-local"
    UNKNOWN = rules.UNKNOWN, "Unknown"


class Volunteer(Contact):
    CONTACT_KIND = Contact.Kind.VOLUNTEER

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"
        ON_HOLD = "on_hold", "On hold"

    title = models.CharField(max_length=200, blank=True)
    department = models.CharField(max_length=200, blank=True)
    industry = models.CharField(max_length=200, blank=True)
    education = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    local_status = models.CharField(max_length=10, choices=LocalStatus.choices, default=LocalStatus.UNKNOWN)
    local_status_updated_at = models.DateTimeField(null=True, blank=True)
    interests = models.TextField(blank=True)
    additional_volunteer_count = models.PositiveIntegerField(
        default=0, help_text="Local only: engagements recorded outside Crewbase."
    )
    skills = models.ManyToManyField(Skill, through="VolunteerSkill", related_name="volunteers", blank=True)
    organizations = models.ManyToManyField(Organization, through="Affiliation", related_name="volunteers", blank=True)
    # Denormalised from attended participations by services.volunteer_stats_refresh, so the
    # directory can sort 100k volunteers on an index instead of aggregating on every page.
    times_volunteered = models.PositiveIntegerField(default=0, db_index=True, editable=False)
    first_volunteered_on = models.DateField(null=True, blank=True, editable=False)
    last_volunteered_on = models.DateField(null=True, blank=True, editable=False)  # indexed below
    # What the directory search looks in, lower-cased: names, title and department, organizations
    # (names and aliases) and skills. Written by volunteers.search.search_text_refresh from every
    # write path; trigram-indexed on PostgreSQL (migration 0010).
    search_text = models.TextField(blank=True, default="", editable=False)

    LOCAL_ONLY_FIELDS = Contact.LOCAL_ONLY_FIELDS + (
        "local_status",
        "local_status_updated_at",
        "additional_volunteer_count",
    )

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        # Pages and endpoints that show people ask for this; Viewers see aggregates only.
        permissions = [("view_contact_details", "Can see people's names and contact details")]
        indexes = [
            models.Index(fields=["status"], name="volunteer_status_idx"),
            models.Index(fields=["local_status"], name="volunteer_local_status_idx"),
            # In the directory's "last volunteered" order (never-volunteered people last): the page
            # walks the index and stops after its rows instead of sorting every volunteer.
            PortableIndex(F("last_volunteered_on").desc(nulls_last=True), name="volunteer_last_volunteered_idx"),
        ]


class VolunteerSkill(AuditedModel):
    class Source(models.TextChoices):
        JOB = "job", "Job"
        ORGANIZATION = "organization", "Organization"
        INTEREST = "interest", "Interest"
        MANUAL = "manual", "Entered by staff"
        SALESFORCE = "salesforce", "From Salesforce"

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="volunteer_skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="volunteer_skills")
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.MANUAL)
    interest_level = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["volunteer", "skill"], name="volunteer_skill_unique")]

    def __str__(self):
        return f"{self.volunteer} · {self.skill}"


class Affiliation(Synced, AuditedModel):
    class Status(models.TextChoices):
        CURRENT = "current", "Current"
        PAST = "past", "Past"

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="affiliations")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="affiliations")
    role = models.CharField(max_length=200, blank=True)
    is_primary = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CURRENT)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    class Meta(Synced.Meta):
        ordering = ["-is_primary", "organization__name"]
        constraints = [
            *Synced.Meta.constraints,
            models.UniqueConstraint(fields=["volunteer", "organization"], name="affiliation_unique"),
            models.UniqueConstraint(fields=["volunteer"], condition=Q(is_primary=True), name="affiliation_one_primary"),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="affiliation_end_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.volunteer} @ {self.organization}"


class Teacher(Contact):
    CONTACT_KIND = Contact.Kind.TEACHER

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"
        ON_LEAVE = "on_leave", "On leave"
        RETIRED = "retired", "Retired"

    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.SET_NULL, related_name="teachers")
    department = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    deactivated_manually = models.BooleanField(
        default=False, help_text="Deactivated by an administrator: roster imports never reactivate it."
    )

    class Meta:  # its own, not Synced.Meta: the Salesforce id and its constraint are the contact row's
        pass


class Student(Contact):
    CONTACT_KIND = Contact.Kind.STUDENT
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.SET_NULL, related_name="students")
    local_student_id = models.CharField(max_length=40, blank=True, db_index=True)
    current_grade = models.PositiveSmallIntegerField(null=True, blank=True)
    homeroom_teacher = models.ForeignKey(
        Teacher, null=True, blank=True, on_delete=models.SET_NULL, related_name="students"
    )
    school_class = models.ForeignKey(
        "SchoolClass", null=True, blank=True, on_delete=models.SET_NULL, related_name="students"
    )

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(current_grade__lte=12), name="student_grade_k12")]


# --------------------------------------------------------------------------- history and notes
class ContactHistory(Synced, SoftDeleteModel):
    class Kind(models.TextChoices):
        NOTE = "note", "Note"
        ACTIVITY = "activity", "Activity"
        EMAIL = "email", "Email"
        STATUS_CHANGE = "status_change", "Status change"
        SYSTEM = "system", "System"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="history_entries")
    kind = models.CharField(max_length=14, choices=Kind.choices, default=Kind.NOTE)
    subject = models.CharField(max_length=255, blank=True)
    body = models.TextField(blank=True)
    occurred_at = models.DateTimeField(db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(Synced.Meta):
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "contact history"
        base_manager_name = "all_objects"

    def __str__(self):
        return self.subject or self.get_kind_display()


# --------------------------------------------------------------------------- access and audit
class ViewerDistrict(AuditedModel):
    """Which districts a Viewer may see (aggregate reports only)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="viewer_districts")
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="viewer_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "district"], name="viewer_district_unique")]

    def __str__(self):
        return f"{self.user} → {self.district}"


class VolunteerMerge(models.Model):
    """Audit record of a duplicate volunteer merged into a survivor (the duplicate is gone)."""

    survivor = models.ForeignKey(Volunteer, null=True, on_delete=models.SET_NULL, related_name="merges")
    merged_contact_id = models.PositiveIntegerField()
    merged_name = models.CharField(max_length=300)
    merged_salesforce_id = models.CharField(max_length=18, blank=True)
    snapshot = models.JSONField(default=dict, help_text="Fields of the merged volunteer at merge time.")
    moved = models.JSONField(default=dict, help_text="How many rows of each kind moved to the survivor.")
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    merged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-merged_at"]

    def __str__(self):
        return f"{self.merged_name} → {self.survivor}"
