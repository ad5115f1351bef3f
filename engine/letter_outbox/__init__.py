"""Letters out of the request (issue 25): the letter outbox and the letter worker (docs/LETTERS.md).

A step that sends a letter checks it inside its own transaction (every placeholder filled, the leak guard) and
writes a :class:`~engine.letter_outbox.models.LetterJob`; the letter worker renders and stores the .docx after
commit, exactly once, with retries; a letter that cannot be made becomes an incident.
"""
