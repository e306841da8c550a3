from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


class UploadDefinitionForm(FlaskForm):
    definition = FileField(
        _l("Definition file (YAML)"),
        validators=[FileRequired(message=_l("Choose a definition file to upload."))],
    )


class PublishForm(FlaskForm):
    """Only a CSRF-protected confirmation."""
