"""Indexes the Salesforce sync paid on every insert and no query used (PostgreSQL):
- the `varchar_pattern_ops` twin (`…_like`) that `unique=True` / `db_index=True` add to a text column
  on PostgreSQL, for LIKE 'prefix%' (nothing asks for it): salesforce_id becomes a UniqueConstraint
  of the same name (Synced.Meta), kind/status/local_status plain Meta indexes;
- contact.last_name alone (contact_name_idx leads with it), contactemail/contactphone.contact_id
  alone (the unique (contact, email|number) pairs lead with it).
The history tables follow their models (no index on these columns there either)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0011_merge_search_text_and_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="affiliation",
            name="salesforce_id",
            field=models.CharField(
                blank=True,
                help_text="Salesforce record id; empty for rows created in Crewbase.",
                max_length=18,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="contact",
            name="kind",
            field=models.CharField(
                choices=[("volunteer", "Volunteer"), ("teacher", "Teacher"), ("student", "Student")],
                editable=False,
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="contact",
            name="last_name",
            field=models.CharField(max_length=100),
        ),
        migrations.AlterField(
            model_name="contact",
            name="salesforce_id",
            field=models.CharField(
                blank=True,
                help_text="Salesforce record id; empty for rows created in Crewbase.",
                max_length=18,
                null=True,
            ),
        ),
        # The index is dropped by name: AlterField would also drop the partial unique index on the
        # same column (email_one_primary, a constraint) and rebuild the foreign key.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="contactemail",
                    name="contact",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="emails",
                        to="volunteers.contact",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "volunteers_contactemail_contact_id_5cb16d0b"',
                    'CREATE INDEX "volunteers_contactemail_contact_id_5cb16d0b" ON "volunteers_contactemail" ("contact_id")',
                ),
            ],
        ),
        migrations.AlterField(
            model_name="contacthistory",
            name="salesforce_id",
            field=models.CharField(
                blank=True,
                help_text="Salesforce record id; empty for rows created in Crewbase.",
                max_length=18,
                null=True,
            ),
        ),
        # The index is dropped by name: AlterField would also drop the partial unique index on the
        # same column (phone_one_primary, a constraint) and rebuild the foreign key.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="contactphone",
                    name="contact",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="phones",
                        to="volunteers.contact",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "volunteers_contactphone_contact_id_9f80d176"',
                    'CREATE INDEX "volunteers_contactphone_contact_id_9f80d176" ON "volunteers_contactphone" ("contact_id")',
                ),
            ],
        ),
        migrations.AlterField(
            model_name="district",
            name="salesforce_id",
            field=models.CharField(
                blank=True,
                help_text="Salesforce record id; empty for rows created in Crewbase.",
                max_length=18,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="event",
            name="salesforce_id",
            field=models.CharField(
                blank=True,
                help_text="Salesforce record id; empty for rows created in Crewbase.",
                max_length=18,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="historicalaffiliation",
            name="salesforce_id",
            field=models.CharField(
                blank=True,
                help_text="Salesforce record id; empty for rows created in Crewbase.",
                max_length=18,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="historicalcontact",
            name="kind",
            field=models.CharField(
                choices=[("volunteer", "Volunteer"), ("teacher", "Teacher"), ("student", "Student")],
                editable=False,
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="historicalcontact",
            name="last_name",
            field=models.CharField(max_length=100),
        ),
        migrations.AlterField(
            model_name="historicalcontact",
            name="salesforce_id",
            field=models.CharField(
                blank=True,
                help_text="Salesforce record id; empty for rows created in Crewbase.",
                max_length=18,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="historicalcontacthistory",
            name="salesforce_id",
            field=models.CharField(
                blank=True,
                help_text="Salesforce record id; empty for rows created in Crewbase.",
                max_length=18,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="historicaldistrict",
            name="salesforce_id",
            field=models.CharField(
                blank=True,
                help_text="Salesforce record id; empty for rows created in Crewbase.",
                max_length=18,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="historicalevent",
            name="salesforce_id",
            field=models.CharField(
                blank=True,
                help_text="Salesforce record id; empty for rows created in Crewbase.",
                max_length=18,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="historicalorganization",
            name="salesforce_id",
            field=models.CharField(
                blank=True,
                help_text="Salesforce record id; empty for rows created in Crewbase.",
                max_length=18,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="historicalschool",
            name="salesforce_id",
            field=models.CharField(
                blank=True,
                help_text="Salesforce record id; empty for rows created in Crewbase.",
                max_length=18,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="historicalschoolclass",
            name="salesforce_id",
            field=models.CharField(
                blank=True,
                help_text="Salesforce record id; empty for rows created in Crewbase.",
                max_length=18,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="historicalstudent",
            name="kind",
            field=models.CharField(
                choices=[("volunteer", "Volunteer"), ("teacher", "Teacher"), ("student", "Student")],
                editable=False,
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="historicalstudent",
            name="last_name",
            field=models.CharField(max_length=100),
        ),
        migrations.AlterField(
            model_name="historicalstudent",
            name="salesforce_id",
            field=models.CharField(
                blank=True,
                help_text="Salesforce record id; empty for rows created in Crewbase.",
                max_length=18,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="historicalstudentparticipation",
            name="salesforce_id",
            field=models.CharField(
                blank=True,
                help_text="Salesforce record id; empty for rows created in Crewbase.",
                max_length=18,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="historicalteacher",
            name="kind",
            field=models.CharField(
                choices=[("volunteer", "Volunteer"), ("teacher", "Teacher"), ("student", "Student")],
                editable=False,
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="historicalteacher",
            name="last_name",
            field=models.CharField(max_length=100),
        ),
        migrations.AlterField(
            model_name="historicalteacher",
            name="salesforce_id",
            field=models.CharField(
                blank=True,
                help_text="Salesforce record id; empty for rows created in Crewbase.",
                max_length=18,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="historicalteacherparticipation",
            name="salesforce_id",
            field=models.CharField(
                blank=True,
                help_text="Salesforce record id; empty for rows created in Crewbase.",
                max_length=18,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="historicalvolunteer",
            name="kind",
            field=models.CharField(
                choices=[("volunteer", "Volunteer"), ("teacher", "Teacher"), ("student", "Student")],
                editable=False,
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="historicalvolunteer",
            name="last_name",
            field=models.CharField(max_length=100),
        ),
        migrations.AlterField(
            model_name="historicalvolunteer",
            name="local_status",
            field=models.CharField(
                choices=[
                    ("local", "Local"),
                    ("partial", "Partial"),
                    ("non_local", "Non-local"),
                    ("unknown", "Unknown"),
                ],
                default="unknown",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="historicalvolunteer",
            name="salesforce_id",
            field=models.CharField(
                blank=True,
                help_text="Salesforce record id; empty for rows created in Crewbase.",
                max_length=18,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="historicalvolunteer",
            name="status",
            field=models.CharField(
                choices=[("active", "Active"), ("inactive", "Inactive"), ("on_hold", "On hold")],
                default="active",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="historicalvolunteerparticipation",
            name="salesforce_id",
            field=models.CharField(
                blank=True,
                help_text="Salesforce record id; empty for rows created in Crewbase.",
                max_length=18,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="organization",
            name="salesforce_id",
            field=models.CharField(
                blank=True,
                help_text="Salesforce record id; empty for rows created in Crewbase.",
                max_length=18,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="school",
            name="salesforce_id",
            field=models.CharField(
                blank=True,
                help_text="Salesforce record id; empty for rows created in Crewbase.",
                max_length=18,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="schoolclass",
            name="salesforce_id",
            field=models.CharField(
                blank=True,
                help_text="Salesforce record id; empty for rows created in Crewbase.",
                max_length=18,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="studentparticipation",
            name="salesforce_id",
            field=models.CharField(
                blank=True,
                help_text="Salesforce record id; empty for rows created in Crewbase.",
                max_length=18,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="teacherparticipation",
            name="salesforce_id",
            field=models.CharField(
                blank=True,
                help_text="Salesforce record id; empty for rows created in Crewbase.",
                max_length=18,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="volunteer",
            name="local_status",
            field=models.CharField(
                choices=[
                    ("local", "Local"),
                    ("partial", "Partial"),
                    ("non_local", "Non-local"),
                    ("unknown", "Unknown"),
                ],
                default="unknown",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="volunteer",
            name="status",
            field=models.CharField(
                choices=[("active", "Active"), ("inactive", "Inactive"), ("on_hold", "On hold")],
                default="active",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="volunteerparticipation",
            name="salesforce_id",
            field=models.CharField(
                blank=True,
                help_text="Salesforce record id; empty for rows created in Crewbase.",
                max_length=18,
                null=True,
            ),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(fields=["kind"], name="contact_kind_idx"),
        ),
        migrations.AddIndex(
            model_name="volunteer",
            index=models.Index(fields=["status"], name="volunteer_status_idx"),
        ),
        migrations.AddIndex(
            model_name="volunteer",
            index=models.Index(fields=["local_status"], name="volunteer_local_status_idx"),
        ),
        migrations.AddConstraint(
            model_name="affiliation",
            constraint=models.UniqueConstraint(
                fields=("salesforce_id",), name="volunteers_affiliation_salesforce_id_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="contact",
            constraint=models.UniqueConstraint(fields=("salesforce_id",), name="volunteers_contact_salesforce_id_key"),
        ),
        migrations.AddConstraint(
            model_name="contacthistory",
            constraint=models.UniqueConstraint(
                fields=("salesforce_id",), name="volunteers_contacthistory_salesforce_id_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="district",
            constraint=models.UniqueConstraint(fields=("salesforce_id",), name="volunteers_district_salesforce_id_key"),
        ),
        migrations.AddConstraint(
            model_name="event",
            constraint=models.UniqueConstraint(fields=("salesforce_id",), name="volunteers_event_salesforce_id_key"),
        ),
        migrations.AddConstraint(
            model_name="organization",
            constraint=models.UniqueConstraint(
                fields=("salesforce_id",), name="volunteers_organization_salesforce_id_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="school",
            constraint=models.UniqueConstraint(fields=("salesforce_id",), name="volunteers_school_salesforce_id_key"),
        ),
        migrations.AddConstraint(
            model_name="schoolclass",
            constraint=models.UniqueConstraint(
                fields=("salesforce_id",), name="volunteers_schoolclass_salesforce_id_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="studentparticipation",
            constraint=models.UniqueConstraint(
                fields=("salesforce_id",), name="volunteers_studentparticipation_salesforce_id_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="teacherparticipation",
            constraint=models.UniqueConstraint(
                fields=("salesforce_id",), name="volunteers_teacherparticipation_salesforce_id_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="volunteerparticipation",
            constraint=models.UniqueConstraint(
                fields=("salesforce_id",), name="volunteers_volunteerparticipation_salesforce_id_key"
            ),
        ),
    ]
