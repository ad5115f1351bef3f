"""Letters: Word templates rendered with case data (docxtpl) and stored immutably.

This package knows nothing about BPMN. The engine calls
:func:`documents.service.produce_letter` inside the step's transaction.
"""
