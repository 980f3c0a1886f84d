"""Programmes (mentoring cycles) and their forms of mentoring, seeded from the programme documents.

The seeds follow ../shared/DOMAIN.md ("Forms of mentoring and pair variants"); every programme
gets its own copy, which the curator may rename, extend or trim. Variants are stored as labels,
not numbers: the source documents number them in opposite orders.
"""

from __future__ import annotations

from surveys.core.models import MentoringForm, Organisation, Programme
from surveys.extensions import db

SEED_FORMS: dict[str, list[str]] = {
    "ученик–ученик": [
        "успевающий – неуспевающий",
        "лидер – пассивный",
        "равный – равному",
        "адаптированный – неадаптированный",
    ],
    "учитель–учитель": [
        "опытный педагог – молодой специалист",
        "лидер педагогического сообщества – педагог, испытывающий проблемы",
        "педагог-новатор – консервативный педагог",
        "опытный предметник – неопытный предметник",
    ],
    "учитель–ученик": [
        "наставляемый неуспевающий",
        "наставляемый пассивный",
        "наставляемый одарённый",
        "ребёнок с ОВЗ / ребёнок-инвалид",
    ],
    "студент–ученик": [
        "активный профессионал – равнодушный потребитель",
        "коллега – будущий коллега",
    ],
    "работодатель–ученик": [
        "активный профессионал – равнодушный потребитель",
        "коллега – будущий коллега",
        "работодатель – будущий сотрудник",
    ],
}


def create_programme(organisation: Organisation, name: str, seed: bool = True) -> Programme:
    """A new programme of the organisation, with the seeded forms of mentoring unless ``seed`` is False."""
    programme = Programme(organisation_id=organisation.id, name=name)
    if seed:
        for position, (form, variants) in enumerate(SEED_FORMS.items()):
            programme.forms.append(MentoringForm(name=form, variants=list(variants), position=position))
    db.session.add(programme)
    db.session.commit()
    return programme


def form_names(programme: Programme | None) -> list[str]:
    return [f.name for f in programme.forms] if programme is not None else list(SEED_FORMS)


def variants_of(programme: Programme | None, form: str) -> list[str]:
    if programme is None:
        return list(SEED_FORMS.get(form, []))
    return next((list(f.variants) for f in programme.forms if f.name == form), [])
