"""The API codebook describes the forms of issue 12, point 6 (fixture questionnaire forms/v1) with
the workbooks' words, in the language asked: levels with their even scores, "don't know",
exclusive options, weight 0."""

from __future__ import annotations

from tests.conftest import FORMS_V1


def test_the_codebook_lists_levels_dont_know_exclusive_options_and_weight_zero(
    db, create_user, create_version, issue_token, api
):
    create_version(FORMS_V1)
    token = issue_token(create_user("analyst"))
    response = api(token, "/api/v1/questionnaires/forms/versions/1/codebook?lang=fr")
    assert response.status_code == 200, response.data
    body = response.get_json()
    rows = {row["question_key"]: row for row in body["data"]}
    assert rows["training_maturity"]["options"].splitlines()[5] == "5 = Obligatoire (0,8333)"
    assert (
        rows["plan_maturity"]["options"] == "0 = Aucun plan (0)\n1 = Rédigé (0,5)\n2 = Adopté (1)"
    )
    assert rows["data_sharing"]["options"].endswith("dont_know = Ne sait pas")
    assert (
        "«\u00a0Ne sait pas\u00a0» n'est pas notée et compte contre la couverture."
        in rows["data_sharing"]["scoring_rule"]
    )
    assert (
        "«\u00a0Aucun de ceux-ci\u00a0» se choisit seule."
        in rows["support_measures"]["scoring_rule"]
    )
    assert rows["focal_point_named"]["weight"] == 0
    assert (
        rows["focal_point_named"]["scoring_rule"]
        == "Poids 0\u00a0: recueillie et affichée, jamais notée."
    )
