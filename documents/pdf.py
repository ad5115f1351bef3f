"""Optional PDF conversion through LibreOffice (headless). Without it: a clear error."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from documents.errors import PdfUnavailable

UNAVAILABLE = "PDF-conversie niet beschikbaar: LibreOffice (libreoffice of soffice) is niet geïnstalleerd"


def office_binary() -> str | None:
    return shutil.which("libreoffice") or shutil.which("soffice")


def pdf_available() -> bool:
    return office_binary() is not None


def docx_to_pdf(content: bytes, *, timeout: float = 120) -> bytes:
    """Convert .docx bytes to PDF bytes; raises :class:`PdfUnavailable` without LibreOffice."""
    binary = office_binary()
    if binary is None:
        raise PdfUnavailable(UNAVAILABLE)
    with tempfile.TemporaryDirectory(prefix="meldpunt-pdf-") as tmp:
        work = Path(tmp)
        source = work / "brief.docx"
        source.write_bytes(content)
        profile = (work / "profile").as_uri()  # private profile: parallel conversions do not collide
        try:
            subprocess.run(
                [binary, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                 "--outdir", str(work), str(source)],
                check=True, capture_output=True, timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            raise PdfUnavailable(f"PDF-conversie mislukt: LibreOffice was na {timeout:g} seconden niet klaar") from None
        except subprocess.CalledProcessError as exc:
            raise PdfUnavailable(f"PDF-conversie mislukt: LibreOffice stopte met een fout "
                                 f"(afsluitcode {exc.returncode})") from None
        except OSError:
            raise PdfUnavailable("PDF-conversie mislukt: LibreOffice kon niet worden gestart") from None
        target = work / "brief.pdf"
        if not target.is_file():
            raise PdfUnavailable("PDF-conversie mislukt: LibreOffice leverde geen bestand op")
        return target.read_bytes()
