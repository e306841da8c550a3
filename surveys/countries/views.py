from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import _

from surveys.access import allow
from surveys.countries.forms import country_form
from surveys.countries.models import Country
from surveys.countries.operations import CountryError, add_country
from surveys.extensions import db
from surveys.i18n import current_language
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
            flash(_("%(name)s was added.", name=country.name(current_language())), "success")
            return redirect(url_for("countries.index"))
    language = current_language()
    countries = sorted(db.session.scalars(db.select(Country)), key=lambda c: c.name(language))
    return render_template("countries/index.html", countries=countries, form=form)
