"""The evaluation report as PDF: the ``.docx`` rendered by LibreOffice headless.

:func:`soffice` finds LibreOffice; :func:`docx_to_pdf` converts with a private, throw-away
profile (``-env:UserInstallation``: no user's settings, no lock on a running LibreOffice),
a timeout, and nothing that reaches the network (no update check, no extensions, no
recovery). LibreOffice stamps the conversion time and a random document id into the PDF;
:func:`fix_pdf_dates` overwrites them with fixed values of the same length, so the same
document gives the same PDF on the same machine and fonts. Without LibreOffice the flow
skips the PDF and says so in one line (:data:`INSTALL_HINT`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from literacy_flows.ingest import io as fio

__all__ = ["INSTALL_HINT", "soffice", "docx_to_pdf", "fix_pdf_dates", "PdfError"]

#: What to install for the PDF (Debian / Ubuntu); the flow's one-line message quotes it.
INSTALL_HINT = "apt-get install -y libreoffice-writer-nogui fonts-noto-cjk"
_TIMEOUT = 300  # seconds; a first start of LibreOffice on a slow machine takes a while

# A profile that never looks outwards: no update check, no online help or extension downloads.
_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Jobs/Jobs/org.openoffice.Office.Jobs:Job['UpdateCheck']/Arguments">
<prop oor:name="AutoCheckEnabled" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="CollectUsageInformation" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
</oor:items>
"""


class PdfError(RuntimeError):
    """LibreOffice failed to convert the document (names the file and LibreOffice's message)."""


def soffice() -> str | None:
    """The LibreOffice executable (``soffice`` or ``libreoffice`` on the PATH), or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def fix_pdf_dates(data: bytes) -> bytes:
    """Replace the PDF's creation / modification dates, document id and checksum by fixed values.

    Every replacement has the length of what it replaces, so the cross-reference offsets stay
    valid.
    """
    def digits(m: re.Match) -> bytes:
        return m.group(1) + re.sub(rb"[0-9]", b"0", m.group(2))

    data = re.sub(rb"(/(?:CreationDate|ModDate)\s*\(D:)([0-9+\-Z' ]+)", digits, data)
    data = re.sub(rb"(<xmp:(?:CreateDate|ModifyDate|MetadataDate)>)([0-9T:+\-.Z]+)", digits, data)
    data = re.sub(rb"(/ID\s*\[\s*<)([0-9A-Fa-f]+)(>\s*<)([0-9A-Fa-f]+)(>)",
                  lambda m: m.group(1) + b"0" * len(m.group(2)) + m.group(3) + b"0" * len(m.group(4)) + m.group(5),
                  data)
    data = re.sub(rb"(/DocChecksum\s*/)([0-9A-Fa-f]+)", lambda m: m.group(1) + b"0" * len(m.group(2)), data)
    return data


def docx_to_pdf(docx_path: str | os.PathLike, pdf_path: str | os.PathLike, timeout: float = _TIMEOUT,
                executable: str | None = None) -> Path:
    """Render a ``.docx`` to PDF with LibreOffice headless; the PDF is written atomically.

    Parameters
    ----------
    docx_path, pdf_path : path
        The document and where its PDF goes.
    timeout : float
        Seconds before LibreOffice is stopped (:class:`PdfError`).
    executable : str, optional
        LibreOffice's ``soffice``; default :func:`soffice`.

    Returns
    -------
    Path
        ``pdf_path``.
    """
    exe = executable or soffice()
    if exe is None:
        raise FileNotFoundError(f"LibreOffice (soffice) not installed: {INSTALL_HINT}")
    src = Path(docx_path).resolve()
    with tempfile.TemporaryDirectory(prefix="literacy-soffice-") as tmp:
        profile = Path(tmp) / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_REGISTRY, encoding="utf-8")
        outdir = Path(tmp) / "out"
        outdir.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        env.update({"HOME": tmp, "SAL_USE_VCLPLUGIN": "svp", "LC_ALL": "C.UTF-8", "TZ": "UTC",
                    "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"})
        cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible", "--nologo",
               "--nodefault", "--nofirststartwizard", "--norestore", "--nolockcheck",
               "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(outdir), str(src)]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=tmp,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise PdfError(f"{fio.shown(src)}: LibreOffice did not finish within {timeout:.0f} s") from None
        made = outdir / (src.stem + ".pdf")
        if done.returncode != 0 or not made.is_file():
            message = (done.stderr or done.stdout).strip().splitlines()
            raise PdfError(f"{fio.shown(src)}: LibreOffice could not convert it (exit {done.returncode}"
                           f"{': ' + message[-1] if message else ''})")
        return fio.atomic_write_bytes(pdf_path, fix_pdf_dates(made.read_bytes()))
