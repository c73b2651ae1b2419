"""Photo uploads (SW-1, PR-4 safe uploads): accept only real images, re-encode them as
JPEG at most MAX_EDGE pixels on the long side plus a thumbnail, and drop all metadata
(EXIF carries GPS positions and camera serials) by writing fresh files."""

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before it is decoded
MAX_EDGE = 1600
THUMB_EDGE = 400
FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_PHOTOS = 12


@dataclass(frozen=True)
class ProcessedPhoto:
    image: bytes
    thumbnail: bytes
    width: int
    height: int


def _encode(image: Image.Image, edge: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # No exif= argument: Pillow writes no metadata unless asked to.
    copy.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
    return out.getvalue()


def photo_process(upload) -> ProcessedPhoto:
    """Validate and re-encode an uploaded file. Raises ValidationError for anything that
    is not a JPEG/PNG/WebP/GIF image, is too large, or has too many pixels."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ValidationError(
            _("The photo is too large (at most %(mb)s MB).") % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    data = upload.read()
    if len(data) > MAX_BYTES:
        raise ValidationError(
            _("The photo is too large (at most %(mb)s MB).") % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in FORMATS:
                raise ValidationError(_("Upload a JPEG, PNG, WebP or GIF image."))
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(_("The photo has too many pixels."))
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)  # keep the orientation the EXIF gave
            if image.mode not in ("RGB", "L"):
                background = Image.new("RGB", image.size, (255, 255, 255))
                rgba = image.convert("RGBA")
                background.paste(rgba, mask=rgba.getchannel("A"))
                image = background
            elif image.mode == "L":
                image = image.convert("RGB")
            full = _encode(image, MAX_EDGE)
            thumb = _encode(image, THUMB_EDGE)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("The file is not an image we can read.")) from None
    with Image.open(io.BytesIO(full)) as result:
        width, height = result.size
    return ProcessedPhoto(image=full, thumbnail=thumb, width=width, height=height)
