#!/usr/bin/env python3
"""Loopback SMTP server (aiosmtpd) for the SMTPClient tests.

Binds 127.0.0.1 on an ephemeral port and prints that port as the first stdout line once it
is listening. Every accepted message is appended to RECORD_FILE as one JSON line:

    {"mail_from": ..., "rcpt_tos": [...], "data": <raw message, un-dot-stuffed>,
     "auth_user": <login or null>, "helo": <EHLO name>, "tls": <bool>, "parsed": {<headers and body decoded by Python's email
     package, an independent check of our encoding>}}

Options:
    --auth USER:PASSWORD   advertise AUTH PLAIN/LOGIN on the plain connection and require it
    --reject ADDRESS       answer RCPT TO for ADDRESS with 550 (repeatable)
    --reject-data          answer the end of DATA with 554 (message refused)
    --mute                 accept connections but never say anything (for timeouts)
    --starttls             offer STARTTLS with a fresh self-signed certificate for 127.0.0.1,
                           written to RECORD_FILE.cert.pem so a test can trust it
    --tls                  speak TLS from the first byte (smtps) with such a certificate

Exits when stdin reaches EOF, so it can never outlive the test process.
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import ssl
import subprocess
import sys
import threading
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Recorder:
    def __init__(self, path, rejected, reject_data):
        self.path = path
        self.rejected = {address.lower() for address in rejected}
        self.reject_data = reject_data

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.rejected:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.reject_data:
            return "554 5.6.0 Message refused by policy"
        raw = envelope.content  # bytes: decode_data=False; aiosmtpd already removed dot-stuffing
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": raw.decode("utf-8", "replace"),
            "auth_user": _login(session),
            "helo": session.host_name,
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "parsed": _parse(raw),
        }
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
        return "250 2.0.0 OK: queued"


def _login(session):
    data = getattr(session, "auth_data", None)
    if isinstance(data, LoginPassword):
        return data.login.decode("utf-8", "replace")
    return None


def _parse(raw):
    """Headers and text as a standards-following reader sees them; for a multipart/alternative message, "text" is its
    text/plain part, "html" its text/html part and "parts" the content types of its parts in order."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        plain, html = message.get_body(preferencelist=("plain",)), message.get_body(preferencelist=("html",))
        return {
            "subject": str(message["subject"]),
            "from": str(message["from"]),
            "to": str(message["to"]),
            "date": str(message["date"]),
            "message_id": str(message["message-id"]),
            "auto_submitted": str(message["auto-submitted"]),
            "content_type": message.get_content_type(),
            "charset": (plain or message).get_content_charset(),
            "text": plain.get_content() if plain is not None else None,
            "html": html.get_content() if html is not None else None,
            "parts": [part.get_content_type() for part in message.iter_parts()],
            "defects": [type(d).__name__ for d in message.defects],
        }
    except Exception as error:  # recorded rather than raised: the test reports it
        return {"error": repr(error)}


class Authenticator:
    def __init__(self, user, password):
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == self.user and auth_data.password == self.password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def _exit_when_parent_goes():
    """The test process holds our stdin open; EOF means it finished or died."""
    sys.stdin.buffer.read()
    os._exit(0)


def _self_signed_context(cert):
    """A server context with a throwaway certificate that clients trust only if told to."""
    key = cert + ".key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    os.remove(key)  # loaded; only the certificate is needed afterwards (by the test)
    return context


class Mute(asyncio.Protocol):
    """Accepts and stays silent, so a client waits for a greeting that never comes."""


async def serve(args):
    context = _self_signed_context(args.record + ".cert.pem") if args.starttls or args.tls else None
    if args.mute:
        factory = Mute
    else:
        recorder = Recorder(args.record, args.reject, args.reject_data)
        options = {"hostname": "smtp-sink.test", "decode_data": False}  # a fixed name avoids a slow getfqdn()
        if args.auth:
            user, _, password = args.auth.partition(":")
            options.update(authenticator=Authenticator(user, password), auth_required=True,
                           auth_require_tls=False)  # loopback without TLS: allow AUTH in clear
        if args.starttls:
            options.update(tls_context=context)
        factory = lambda: SMTP(recorder, **options)
    server = await asyncio.get_running_loop().create_server(
        factory, "127.0.0.1", 0, ssl=context if args.tls else None)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("record")
    parser.add_argument("--auth")
    parser.add_argument("--reject", action="append", default=[])
    parser.add_argument("--reject-data", action="store_true")
    parser.add_argument("--mute", action="store_true")
    parser.add_argument("--starttls", action="store_true")
    parser.add_argument("--tls", action="store_true")
    args = parser.parse_args()
    # aiosmtpd warns about AUTH without TLS, which is the point of --auth here.
    warnings.simplefilter("ignore")
    # Children of the Swift test runner inherit a signal mask with SIGTERM blocked.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    threading.Thread(target=_exit_when_parent_goes, daemon=True).start()
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
