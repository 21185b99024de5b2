"""The email channel: a notice that an alert awaits in the inbox, never personal data.

The message carries the panel's name, the rule ids, the alert reference and a link to the
inbox, where a signed-in member reads the alert. Nothing about the person (no pseudonymous
id, no evidence, no fields) is in the email: mailboxes are forwarded, archived and searched.
The Message-ID is derived from the alert and panel, so a re-sent notice is recognisable.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from hub.config import DeliverySettings
from hub.delivery.retry import PermanentError, TransientError
from hub.panels.directory import EmailChannel, Panel

log = logging.getLogger(__name__)


def alert_link(inbox_url: str, alert_id: str) -> str:
    return f"{inbox_url.rstrip('/')}/alerts/{alert_id}"


def notice(
    settings: DeliverySettings, panel: Panel, channel: EmailChannel, document: dict[str, Any]
) -> EmailMessage:
    """The notification email for one alert; built from ids and names only."""
    alert_id = document["alert_id"]
    rules = ", ".join(document["rules"])
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(str(a) for a in channel.to)
    message["Subject"] = f"[CSP hub] {panel.name}: an alert awaits ({alert_id[:12]})"
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = f"<{alert_id}.{document['panel']}@csp-hub>"
    message["X-Hub-Alert-Reference"] = alert_id
    message.set_content(
        "\n".join(
            [
                f"A new alert awaits the {panel.name} in the hub inbox.",
                "",
                f"Panel:     {panel.name} ({document['panel']})",
                f"Rules:     {rules}",
                f"Reference: {alert_id}",
                f"Raised:    {document['created_at']}",
                "",
                "Open it in the inbox (sign-in required):",
                alert_link(settings.inbox_url, alert_id),
                "",
                "This notice holds no personal data by design; the alert itself is only in the",
                "inbox. Do not reply: this mailbox is not read.",
            ]
        )
    )
    return message


class EmailSender:
    """Sends one attempt over SMTP (STARTTLS when configured); returns the SMTP reply code."""

    def __init__(self, settings: DeliverySettings) -> None:
        self.settings = settings
        context = ssl.create_default_context(
            cafile=str(settings.smtp_cafile) if settings.smtp_cafile else None
        )
        self.ssl_context = context

    def send(self, panel: Panel, channel: EmailChannel, document: dict[str, Any]) -> int:
        s = self.settings
        message = notice(s, panel, channel, document)
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.request_timeout_s) as smtp:
                smtp.ehlo()
                if s.smtp_starttls:
                    smtp.starttls(context=self.ssl_context)
                    smtp.ehlo()
                if s.smtp_user and s.smtp_password:
                    smtp.login(s.smtp_user, s.smtp_password.get_secret_value())
                refused = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise _by_code(f"SMTP recipients refused ({codes})", max(codes)) from exc
        except smtplib.SMTPResponseException as exc:
            raise _by_code(f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}", exc.smtp_code) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentError(f"SMTP server: {exc}") from exc
        except ssl.SSLCertVerificationError as exc:
            raise PermanentError(f"SMTP TLS certificate refused: {exc.verify_message}") from exc
        except TimeoutError as exc:
            raise TransientError(f"SMTP timeout after {s.request_timeout_s:g}s") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientError(f"SMTP {type(exc).__name__}: {exc}") from exc
        if refused:  # some recipients refused, the others accepted: the panel was reached
            log.warning(
                "alert %s: %d of the panel's recipients refused", document["alert_id"], len(refused)
            )
        return 250  # the server accepted the message (smtplib raises otherwise)


def _text(error: bytes | str) -> str:
    return (error.decode(errors="replace") if isinstance(error, bytes) else error)[:200]


def _by_code(message: str, code: int) -> PermanentError | TransientError:
    if 400 <= code < 500:
        return TransientError(message, code)
    return PermanentError(message, code)
