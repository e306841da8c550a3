"""`N_`: marks a message for extraction (`make extract-messages`) without translating it.

For code that runs without Flask (the functional core, workbook layouts): the message is
translated where it is shown, in the reader's or the workbook's language.
"""


def N_(message: str) -> str:
    return message
