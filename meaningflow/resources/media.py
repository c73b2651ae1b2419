"""Photo uploads (SW-1, PR-4 safe uploads): accept only real images, re-encode them as
JPEG at most MAX_EDGE pixels on the long side plus a thumbnail, and drop all metadata
(EXIF carries GPS positions and camera serials) by writing fresh files."""

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
# Pixels are counted from the header, before anything is decoded: a 52 KB PNG of 6300×6300
# once took 511 MB in a worker. 16 megapixels covers phone photos (12 MP) and decodes in
# under 100 MB; JPEGs are also decoded at a reduced scale (draft) when they are larger than
# what we keep.
MAX_PIXELS = 16_000_000
# Any other image Pillow opens in this process is held to the same cap (Pillow refuses
# twice its MAX_IMAGE_PIXELS outright and warns above it).
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
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
    too_large = ValidationError(
        _("The photo is too large (at most %(mb)s MB).") % {"mb": MAX_BYTES // (1024 * 1024)}, code="photo.too_large"
    )
    if size is not None and size > MAX_BYTES:
        raise too_large
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise too_large
    too_many_pixels = ValidationError(
        _("The photo has too many pixels (at most %(mp)s megapixels). Send a smaller copy.")
        % {"mp": MAX_PIXELS // 1_000_000},
        code="photo.too_many_pixels",
    )
    try:
        with Image.open(io.BytesIO(data)) as probe:  # reads the header only
            if probe.format not in FORMATS:
                raise ValidationError(_("Upload a JPEG, PNG, WebP or GIF image."), code="photo.format")
            if probe.width * probe.height > MAX_PIXELS:
                raise too_many_pixels
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            if image.format == "JPEG":
                image.draft(None, (MAX_EDGE, MAX_EDGE))  # decode at 1/2, 1/4 or 1/8 scale when larger
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
    except Image.DecompressionBombError:  # Pillow's own check at open (twice MAX_PIXELS)
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(_("The file is not an image we can read."), code="photo.unreadable") from None
    with Image.open(io.BytesIO(full)) as result:
        width, height = result.size
    return ProcessedPhoto(image=full, thumbnail=thumb, width=width, height=height)
