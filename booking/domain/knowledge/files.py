"""Templates attached to articles: office documents, PDF and images, checked by content with
the shared attachment rules and stored under instance/toolbox/."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from ...models import Article, ArticleAttachment, Member
from .. import attachments
from ..accounts import record_audit
from .articles import NotAllowedHere
from .permissions import can_edit_directly
from .search_index import index_articles

OFFICE_TYPES = {  # a member of the zip -> (type, extension)
    "word/document.xml": ("application/vnd.openxmlformats-officedocument."
                          "wordprocessingml.document", "docx"),
    "xl/workbook.xml": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        "xlsx"),
}
OPENDOCUMENT_TYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
}
REFUSAL = _l("Only .docx, .odt, .xlsx, .ods, .pdf, .png or .jpg files are accepted. Save the "
             "template in one of these formats.")


def detect_template_type(data: bytes) -> tuple[str, str] | None:
    """PDF, PNG, JPEG, or an office document recognised by what its zip contains."""
    kind = attachments.detect_by_signature(data)
    if kind is not None or not data.startswith(b"PK\x03\x04"):
        return kind
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if "mimetype" in names:
            media_type = archive.read("mimetype").strip()
            if media_type in OPENDOCUMENT_TYPES:
                return media_type.decode(), OPENDOCUMENT_TYPES[media_type]
        return next((kind for name, kind in OFFICE_TYPES.items() if name in names), None)
    except (zipfile.BadZipFile, KeyError, OSError):
        return None


def add_attachment(session: Session, article: Article, member: Member, filename: str,
                   data: bytes, folder: Path) -> ArticleAttachment:
    if not can_edit_directly(article, member):
        raise NotAllowedHere(_l("Only co-managers can add files to this article."))
    stored, media_type = attachments.store_attachment(data, folder, detect_template_type,
                                                      REFUSAL, original_name=filename)
    name = secure_filename(filename)[:200] or stored
    attachment = ArticleAttachment(article=article, name=name, stored_file=stored,
                                   media_type=media_type, size=len(data),
                                   uploaded_by_id=member.id)
    session.add(attachment)
    session.flush()
    index_articles(session, [article.id])
    record_audit(session, member, "article.attach", "article", article.id, name)
    return attachment
