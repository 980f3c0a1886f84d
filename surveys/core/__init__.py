"""The core: questionnaire definitions and their schema, the loader, question types, the one answer
check, scoring, reliability, the storage models and the workbook writer.

Owns what a questionnaire is and how an answer is checked and scored, apart from any request. Uses
nothing else of the project but the unbound extensions (``surveys.extensions``), on which the models
are declared; every other package builds on it.
"""
