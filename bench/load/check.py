"""After a load or fault run: is everything the participants were told was saved in the database?

- the completed participants (every questionnaire of the wave submitted) equal the completions
  Locust counted: nothing lost, nothing counted twice;
- no response has a scale scored twice (the response itself is unique per wave, person and
  questionnaire in the schema);
- every answer the server confirmed (a redirect after the page was sent) is stored as sent.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa


def _token_hash(token: str) -> str:
    from surveys.core.models import hash_token

    return hash_token(token)


def check(url: str, wave_id: int, results: dict[str, Any]) -> dict[str, Any]:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        expected = connection.execute(
            sa.text("SELECT count(*) FROM assignment a JOIN wave w ON w.campaign_id = a.campaign_id WHERE w.id = :w"),
            {"w": wave_id},
        ).scalar_one()
        invitations = dict(
            connection.execute(
                sa.text("SELECT token_hash, participant_id FROM invitation WHERE wave_id = :w"), {"w": wave_id}
            ).all()
        )
        responses: dict[int, dict[str, tuple[str, Any]]] = {}
        for participant, instrument, status, answers in connection.execute(
            sa.text("SELECT participant_id, instrument_id, status, answers FROM response WHERE wave_id = :w"),
            {"w": wave_id},
        ):
            stored = json.loads(answers) if isinstance(answers, str) else answers
            responses.setdefault(participant, {})[instrument] = (status, stored)
        doubled = connection.execute(
            sa.text(
                "SELECT count(*) FROM (SELECT response_id, scale FROM score GROUP BY response_id, scale "
                "HAVING count(*) > 1) AS d"
            )
        ).scalar_one()
    completed_db = {p for p, by in responses.items() if sum(s == "submitted" for s, _ in by.values()) == expected}
    counted = [invitations.get(_token_hash(t)) for t in results["completed"]]
    lost = []
    for token, by_instrument in results["confirmed"].items():
        participant = invitations.get(_token_hash(token))
        for instrument, answers in by_instrument.items():
            stored = responses.get(participant, {}).get(instrument, (None, {}))[1]
            for question, value in answers.items():
                held = stored.get(question)
                if str(held) != str(value) and not (isinstance(held, list) and value in map(str, held)):
                    lost.append((token[:6], instrument, question, value, held))
    figures = {
        "completed_in_database": len(completed_db),
        "completed_counted_by_locust": len(counted),
        "counted_twice": len(counted) - len(set(counted)),
        "scores_doubled": doubled,
        "confirmed_answers": sum(len(a) for by in results["confirmed"].values() for a in by.values()),
        "confirmed_answers_missing": len(lost),
    }
    # A participant whose client gave up waiting (the server never answered its last request) may
    # or may not have finished: that is the only allowed difference, and it is reported.
    unknown = {invitations.get(_token_hash(t)) for t in results.get("unknown", [])}
    unheard = completed_db - set(counted)
    figures["completed_but_client_gave_up"] = len(unheard & unknown)
    ok = set(counted) <= completed_db and not unheard - unknown and len(counted) == len(set(counted))
    ok = ok and not doubled and not lost
    lines = [
        f"completed: {len(completed_db)} in the database, {len(counted)} counted by Locust"
        f" ({'equal' if set(counted) == completed_db else 'DIFFERENT'}; the client gave up on {len(unknown)},"
        f" of whom {len(unheard & unknown)} had finished)",
        f"scores scored twice: {doubled}; confirmed answers: {figures['confirmed_answers']}, missing: {len(lost)}",
        *(f"missing: {item}" for item in lost[:10]),
        "CHECK PASSED" if ok else "CHECK FAILED",
    ]
    return {"ok": ok, "figures": figures, "lines": lines}
