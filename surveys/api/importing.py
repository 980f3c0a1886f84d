"""``POST /campaigns/<id>/waves/<wave_id>/responses``: import submitted answers (see ``batch.py``)."""

from __future__ import annotations

from flask import jsonify
from flask_babel import lazy_gettext as _l

from surveys.workspace import is_archived

from .access import campaign_or_404, record_api, wave_or_404
from .batch import BatchConflict, BatchRejected, import_batch
from .blueprint import load_body, operation
from .errors import ApiError
from .schemas import ImportResultSchema, ImportSchema


@operation(
    "/campaigns/<int:campaign_id>/waves/<int:wave_id>/responses",
    methods=("POST",),
    summary="Import submitted answers into a wave (audited)",
    scope="responses:write",
    body=ImportSchema,
    result=ImportResultSchema,
    errors=(409,),
    tag="responses",
    audited=True,
)
def import_responses(campaign_id: int, wave_id: int):
    """Store each row as the participant's submitted, scored response to the questionnaire in this wave.

    The whole batch is checked first, with the same checks as a participant's page and a paper
    template: any problem rejects the batch (422) with every problem named by its path, e.g.
    `responses.2.answers.gad7_1`, and nothing is stored. A row whose answers were imported before
    is left unchanged, so sending the same batch twice changes nothing. Answers a participant typed
    online (submitted or started) are never overwritten unless `replace_online` is true; each one
    overwritten then is audited. Every import is written to the audit log.
    """
    campaign = campaign_or_404(campaign_id)
    wave = wave_or_404(campaign, wave_id)
    if is_archived(wave):
        raise ApiError(409, _l("The campaign is archived: it can be read, not changed."))
    body = load_body(ImportSchema)
    try:
        result = import_batch(wave, body["responses"], replace_online=body["replace_online"])
    except BatchRejected as err:
        raise ApiError(422, fields=err.problems) from err
    except BatchConflict as err:
        raise ApiError(409, str(err)) from err
    counts = {"rows": result.rows, "created": result.created, "updated": result.updated}
    record_api(
        "api.responses.import",
        f"wave:{wave.id}",
        campaign=campaign.id,
        instruments=result.instruments,
        unchanged=result.unchanged,
        **counts,
    )
    return jsonify(ImportResultSchema().dump({**counts, "unchanged": result.unchanged}))
