"""The core: questionnaire definitions, loader, question types, scoring, storage, export."""
