from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from surveys.access import allow
from surveys.audit.operations import record
from surveys.collation import sort_key
from surveys.countries.forms import ActivationForm, country_form, rename_form
from surveys.countries.models import Country
from surveys.countries.operations import CountryError, add_country, rename_country, set_active
from surveys.extensions import db
from surveys.i18n import current_language
from surveys.i18n import gettext as _
from surveys.roles import Role

bp = Blueprint("countries", __name__, template_folder="templates")


@bp.route("/", methods=["GET", "POST"])
@allow(Role.ADMIN, Role.COORDINATOR)
def index():
    form = country_form()
    if form.validate_on_submit():
        try:
            country = add_country(form.iso2.data, form.iso3.data, form.names())
        except CountryError as exc:
            form[exc.field].errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Country added: %(name)s.", name=country.name(current_language())), "success")
            return redirect(url_for("countries.index"))
    language = current_language()
    countries = sorted(
        db.session.scalars(db.select(Country)), key=lambda c: sort_key(c.name(language))
    )
    return render_template(
        "countries/index.html",
        countries=countries,
        form=form,
        activation_form=ActivationForm(),
    )


@bp.post("/<int:country_id>/activation")
@allow(Role.ADMIN)
def activation(country_id: int):
    """An admin stops offering a country for new rounds (added by mistake, or left the
    mechanism), or offers it again; it stays in every round it is part of. Audited."""
    country = db.session.get(Country, country_id)
    if country is None:
        abort(404)
    form = ActivationForm()
    if not form.validate_on_submit() or form.active.data not in ("yes", "no"):
        abort(400)
    name = country.name(current_language())
    if set_active(country, form.active.data == "yes"):
        record(
            "country.activated" if country.active else "country.deactivated",
            target_type="country",
            target_id=country.id,
            details={"iso2": country.iso2},
        )
        db.session.commit()
    if country.active:
        flash(_("Offered for new rounds again: %(name)s.", name=name), "success")
    else:
        flash(
            _(
                "No longer offered for new rounds: %(name)s. It stays in the rounds it is part "
                "of, with its answers.",
                name=name,
            ),
            "success",
        )
    return redirect(url_for("countries.index"))


@bp.route("/<int:country_id>/names", methods=["GET", "POST"])
@allow(Role.ADMIN)
def rename(country_id: int):
    """An admin corrects or changes a country's names (every page, report and workbook shows
    the new ones, past rounds' included); audited with the names before and after."""
    country = db.session.get(Country, country_id)
    if country is None:
        abort(404)
    language = current_language()
    form = rename_form(country)
    if form.validate_on_submit():
        before = country.name(language)
        try:
            changes = rename_country(country, form.names())
        except CountryError as exc:
            form[exc.field].errors.append(str(exc))
        else:
            audit_rename(country, changes)
            db.session.commit()
            flash(
                _("%(before)s is now called %(after)s.", before=before, after=_names(country)),
                "success",
            )
            return redirect(url_for("countries.index"))
    status = 422 if form.errors else 200
    return render_template("countries/rename.html", country=country, form=form), status


def _names(country: Country) -> str:
    return " / ".join(country.names[code] for code in sorted(country.names))


def audit_rename(country: Country, changes: dict, **actor) -> None:
    record(
        "country.renamed",
        target_type="country",
        target_id=country.id,
        details={
            "iso2": country.iso2,
            "before": {code: pair[0] for code, pair in changes.items()},
            "after": {code: pair[1] for code, pair in changes.items()},
        },
        **actor,
    )
