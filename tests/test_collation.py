"""Names sorted as a reader expects: accents, case and ligatures do not decide the order."""

from __future__ import annotations

import re

from surveys.collation import sort_key


def test_accented_letters_sort_with_their_plain_letter():
    names = ["Zambie", "Anna Analyst", "Égypte", "Aïssa Maïga", "Ajay", "Aisha", "Burkina Faso"]
    assert sorted(names, key=sort_key) == [
        "Aisha",
        "Aïssa Maïga",
        "Ajay",
        "Anna Analyst",
        "Burkina Faso",
        "Égypte",
        "Zambie",
    ]


def test_case_and_ligatures_do_not_decide_and_ties_stay_in_one_order():
    assert sorted(["Oeuvre", "œil", "Ode"], key=sort_key) == ["Ode", "œil", "Oeuvre"]
    assert sorted(["zoé", "Zoe", "Zoé", "zoe"], key=sort_key) == ["Zoe", "zoe", "Zoé", "zoé"]
    assert sort_key("  Anna   Analyst ") < sort_key("Anna Analysts")


def test_the_country_table_lists_french_names_in_alphabetical_order(
    client, login, create_user, create_country
):
    # Regression: "Égypte" came after "Zambie" (sorted by code point).
    create_country("ZM", "ZMB", "Zambia", "Zambie")
    create_country("EG", "EGY", "Egypt", "Égypte")
    create_country("DE", "DEU", "Germany", "Allemagne")
    login(create_user("coordinator", language="fr"))
    page = client.get("/countries/").get_data(as_text=True)
    names = re.findall(r"<td>[A-Z]{3}</td><td>([^<]+)<", page)
    assert names == ["Allemagne", "Égypte", "Zambie"]
