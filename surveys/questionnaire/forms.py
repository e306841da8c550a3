from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired

from surveys.forms import Form


class UploadDefinitionForm(Form):
    definition = FileField(
        _l("Definition file (YAML)"),
        validators=[FileRequired(message=_l("Choose a definition file to upload."))],
    )


class PublishForm(Form):
    """Only a CSRF-protected confirmation."""
