"""Sign-in, password and profile forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from ..domain.accounts import MIN_PASSWORD_LENGTH
from ..forms import choices

LANGUAGE_CHOICES = [("", _l("As my browser says")), ("fr", "Français"), ("nl", "Nederlands"),
                    ("en", "English")]


def _new_password_fields():
    password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Enter a password.")),
        Length(min=MIN_PASSWORD_LENGTH, max=200,
               message=_l("Choose a password of at least %(n)d characters.",
                          n=MIN_PASSWORD_LENGTH)),
    ])
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(_l("Repeat the password.")),
        EqualTo("password", _l("The two passwords differ: type the same one twice.")),
    ])
    return password, confirm


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[
        DataRequired(_l("Enter your email address.")), Email(_l("Enter a valid email address."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Remember me on this computer"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[
        DataRequired(_l("Enter your email address.")), Email(_l("Enter a valid email address."))])


class SetPasswordForm(FlaskForm):
    password, confirm = _new_password_fields()


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"),
                            validators=[DataRequired(_l("Enter your current password."))])
    password, confirm = _new_password_fields()


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[
        DataRequired(_l("Enter your name.")), Length(max=120)])
    email = EmailField(_l("Email"), validators=[
        DataRequired(_l("Enter your email address.")), Email(_l("Enter a valid email address.")),
        Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    locale = SelectField(_l("Preferred language"), choices=choices(LANGUAGE_CHOICES))
    # Asked only when the e-mail changes.
    current_password = PasswordField(_l("Current password"), validators=[Optional()])


class JoinOrganisationForm(FlaskForm):
    organisation_id = SelectField(_l("Organisation"), coerce=int, validate_choice=True)


class ApiTokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[
        DataRequired(_l("Give the token a name, such as the script or site that uses it.")),
        Length(max=80, message=_l("A token name has at most 80 characters."))])
