"""A real SMTP server for the mail battery's tests, on Debian's python3-aiosmtpd.

.ci/tools starts it (idempotently) with:
  plain SMTP with STARTTLS on PORT, SMTP over TLS (implicit) on PORT+1,
  AUTH PLAIN and LOGIN for USER/PASSWORD (only after TLS, as real servers require),
  and each received message written to MAILDIR as <n>.eml, preceded by
  X-Envelope-From and X-Envelope-To lines, so a test can check what arrived.

Usage: python3 smtpd.py PORT CERT KEY MAILDIR USER PASSWORD
"""
import asyncio
import os
import ssl
import sys
import time
import uuid

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Maildir:
    def __init__(self, path):
        self.path = path
        os.makedirs(path, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        name = "%d-%s.eml" % (time.time_ns(), uuid.uuid4().hex[:8])
        tmp = os.path.join(self.path, "." + name)
        with open(tmp, "wb") as f:
            f.write(b"X-Envelope-From: " + envelope.mail_from.encode() + b"\r\n")
            f.write(b"X-Envelope-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(b"X-Authenticated: " + str(bool(session.authenticated)).encode() + b"\r\n")
            tls = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
            f.write(b"X-TLS: " + str(tls).encode() + b"\r\n")
            f.write(envelope.original_content)
        os.rename(tmp, os.path.join(self.path, name))
        return "250 Message accepted for delivery"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == user.encode() and auth_data.password == password.encode()
        return AuthResult(success=ok)
    return check


def main():
    port, cert, key, maildir, user, password = sys.argv[1:7]
    port = int(port)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    handler = Maildir(maildir)
    auth = authenticator(user, password)
    starttls = Controller(handler, hostname="127.0.0.1", port=port, tls_context=ctx, require_starttls=False,
                          authenticator=auth, auth_require_tls=True, auth_exclude_mechanism=["CRAM-MD5"])
    # On the implicit-TLS port the whole session is encrypted (aiosmtpd does not
    # count it as TLS for auth_require_tls, which only tracks STARTTLS).
    implicit = Controller(handler, hostname="127.0.0.1", port=port + 1, ssl_context=ctx,
                          authenticator=auth, auth_require_tls=False)
    starttls.start()
    implicit.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        starttls.stop()
        implicit.stop()


if __name__ == "__main__":
    main()
