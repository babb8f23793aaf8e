"""Forms co-managers use to invite and manage members."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from ..forms import choices

ROLE_CHOICES = [("member", _l("Member")), ("comanager", _l("Co-manager")), ("admin", _l("Admin"))]


class MembershipFields(FlaskForm):
    role = SelectField(_l("Role"), choices=choices(ROLE_CHOICES))
    plan_id = SelectField(_l("Plan"), coerce=int)
    organisation_id = SelectField(_l("Organisation"), coerce=int)


class InviteForm(MembershipFields):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the person's name.")),
                                               Length(max=120)])
    email = EmailField(_l("Email"), validators=[
        DataRequired(_l("Enter the person's email address.")),
        Email(_l("Enter a valid email address.")), Length(max=254)])


class MemberForm(MembershipFields):
    active = BooleanField(_l("Active (can sign in and book)"))
    shares_override = IntegerField(_l("Cost shares (empty: the plan's)"), validators=[
        Optional(), NumberRange(0, 1000, _l("A whole number from 0 to 1000."))])


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[
        DataRequired(_l("Enter the organisation's name.")), Length(max=120)])
    pays_for_members = BooleanField(_l("It pays its members' charges (one account for all)"))
