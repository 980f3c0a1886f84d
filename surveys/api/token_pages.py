"""The staff page of API tokens (organisation admins): make one (shown once), list them, revoke one.

Every token made or revoked is written to the audit log. The list shows a token's prefix only;
the whole token exists in clear once, on the page that makes it.
"""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from surveys.staff_context import current_organisation
from surveys.web import require_role, staff_blueprint

from ..core.field_checks import MultiCheckboxField
from .tokens import MAX_NAME_LENGTH, SCOPES, issue_token, organisation_tokens, stop_token, token_of

bp = staff_blueprint("api_tokens", __name__, templates="templates")


class ApiTokenForm(FlaskForm):
    """A new token: what it is for, and what it may do."""

    name = StringField(
        _l("Name (what the token is for, e.g. the district's dashboard)"),
        validators=[InputRequired(), Length(max=MAX_NAME_LENGTH)],
    )
    scopes = MultiCheckboxField(
        _l("What the token may do"),
        # a callable: WTForms calls it for each form, so the lazy texts follow the page's language
        choices=lambda: [SelectChoice(scope, f"{scope}: {text}") for scope, text in SCOPES.items()],
        validators=[InputRequired(message=_l("Choose at least one scope."))],
    )


class RevokeTokenForm(FlaskForm):
    """The revoke button of one token in the list."""

    token = HiddenField(validators=[InputRequired()])


def _list_page(form: ApiTokenForm):
    organisation = current_organisation()
    return render_template(
        "staff/api_tokens.html",
        organisation=organisation,
        tokens=organisation_tokens(organisation.id),
        form=form,
        revoke_form=RevokeTokenForm(),
    )


@bp.route("/api-tokens", methods=["GET", "POST"])
@require_role("admin")
def api_tokens():
    """The organisation's API tokens, and the form to make a new one."""
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _list_page(form)
    if not form.name.data.strip():
        form.name.errors.append(_("Give the token a name."))
        return _list_page(form)
    token, secret = issue_token(current_organisation().id, form.name.data, form.scopes.data, current_user.id)
    page = render_template("staff/api_token_created.html", token=token, secret=secret)
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"  # the only time the token exists in clear
    return response


@bp.post("/api-tokens/revoke")
@require_role("admin")
def revoke():
    """Stop a token of the organisation at once; another organisation's token is a 404."""
    form = RevokeTokenForm()
    if not form.validate_on_submit():
        abort(400)
    token = token_of(current_organisation().id, form.token.data) or abort(404)
    if stop_token(token):
        flash(_("The token %(name)s is revoked: it no longer opens the API.", name=token.name))
    return redirect(url_for("api_tokens.api_tokens"))
