"""Letters: Word templates rendered with case data (docxtpl) and stored immutably.

This package knows nothing about BPMN. The engine calls :func:`documents.service.check_letter` inside the
step's transaction and the letter worker :func:`documents.service.produce_letter` after commit
(engine.letter_outbox, docs/LETTERS.md).
"""
