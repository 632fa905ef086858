"""ClickHouse's HTTP interface for one aiven-local service, in front of chDB.

chDB is the ClickHouse engine as a library, with no server of its own;
this program is that server. aiven-local starts one per ClickHouse
service (see clickhouse.rs, which embeds this file). It serves:

- the service's port: ClickHouse's HTTP interface over TLS with the
  certificate the project's CA signed (the platform serves ClickHouse
  over TLS only), so that ClickHouse's own clients (clickhouse-connect,
  curl, JDBC) work unchanged. Every request must log in as one of the
  service's users (Basic auth, the X-ClickHouse-User/-Key headers, or the
  user and password parameters); passwords are checked against salted
  SHA-256 digests aiven-local writes, never kept in plain text here.
- a control socket in the service's private directory, for aiven-local
  alone: one JSON request per line (a statement to run, or "reread the
  users"), one JSON answer per line.

chDB runs every statement as its built-in user, so the service's users
all have the same rights: grants are not enforced (the README says so).
One statement runs at a time: chDB's connection is not shared between
statements in flight.
"""

import argparse
import base64
import ctypes
import hashlib
import hmac
import json
import os
import re
import socketserver
import ssl
import threading
import time
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import chdb.state

# Parameters of the HTTP interface that are not ClickHouse settings.
HTTP_ONLY = {
    "query", "database", "default_format", "user", "password", "query_id",
    "session_id", "session_timeout", "session_check", "compress",
    "decompress", "buffer_size", "wait_end_of_query", "enable_http_compression",
    "http_zlib_compression_level", "send_progress_in_http_headers",
    "http_headers_progress_interval_ms", "quota_key", "role", "client_protocol_version",
    "http_response_headers", "cancel_http_readonly_queries_on_client_close",
}

# ClickHouse's error codes for answers that are not 500.
AUTHENTICATION_FAILED = 516
HTTP_STATUS_OF_CODE = {62: 400, 27: 400, 115: 400, 60: 404, 81: 404, 516: 401, 497: 403}

CONTENT_TYPES = {
    "TabSeparated": "text/tab-separated-values; charset=UTF-8",
    "TSV": "text/tab-separated-values; charset=UTF-8",
    "CSV": "text/csv; charset=UTF-8",
    "JSON": "application/json; charset=UTF-8",
    "JSONEachRow": "application/x-ndjson; charset=UTF-8",
}

FORMAT_AT_END = re.compile(r"\bFORMAT\s+([A-Za-z0-9_]+)\s*;?\s*$", re.IGNORECASE)
INSERT = re.compile(r"^\s*INSERT\b", re.IGNORECASE)
HEAD_OF_INSERT = re.compile(rb"^\s*(INSERT\b[^\n]*?\bFORMAT\s+[A-Za-z0-9_]+)[ \t]*\r?\n", re.IGNORECASE)
ERROR_CODE = re.compile(r"Code: (\d+)\.")
SETTING_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def name_this_process(name: bytes) -> None:
    """Sets /proc/self/comm, which aiven-local checks before it signals a pid."""
    try:
        ctypes.CDLL(None).prctl(15, name, 0, 0, 0)  # PR_SET_NAME
    except OSError:
        pass


class Engine:
    """The service's one chDB connection, one statement at a time."""

    def __init__(self, data: str, config: str):
        self.lock = threading.Lock()
        self.conn = chdb.state.connect(f"{data}?config-file={config}")
        self.database = "default"
        # The service's session_settings: what every query starts with.
        self.defaults = {}

    def set_defaults(self, settings):
        """Makes `settings` (name to JSON value) every query's starting point.
        A value the engine refuses leaves the settings as they were."""
        with self.lock:
            for key in settings:
                if not SETTING_NAME.fullmatch(key):
                    raise ValueError(f"Code: 115. DB::Exception: Unknown setting '{key}'. (UNKNOWN_SETTING)")
            before = dict(self.defaults)
            try:
                for key in before.keys() - settings.keys():
                    self.conn.query(f"SET {key} = DEFAULT")
                for key, value in settings.items():
                    self.conn.query(f"SET {key} = {literal(value)}")
                self.defaults = dict(settings)
            except Exception:
                for key in settings.keys() - before.keys():
                    self.conn.query(f"SET {key} = DEFAULT")
                for key, value in before.items():
                    self.conn.query(f"SET {key} = {literal(value)}")
                raise

    def restore_setting(self, key):
        """Puts a setting a request changed back to the service's default."""
        if key in self.defaults:
            self.conn.query(f"SET {key} = {literal(self.defaults[key])}")
        else:
            self.conn.query(f"SET {key} = DEFAULT")

    def run(self, sql, fmt, database="default", params=None, settings=None, body=None):
        """Runs one statement; returns (output bytes, rows read, bytes read)."""
        with self.lock:
            if database != self.database:
                self.conn.query(f"USE `{database.replace('`', '')}`")
                self.database = database
            applied = []
            try:
                for key, value in (settings or {}).items():
                    if not SETTING_NAME.fullmatch(key):
                        raise ValueError(f"Code: 115. DB::Exception: Unknown setting '{key}'. (UNKNOWN_SETTING)")
                    self.conn.query(f"SET {key} = {literal(value)}")
                    applied.append(key)
                if body is not None:
                    return self.insert(sql, fmt, body)
                result = self.conn.query(sql, fmt, params=params or {})
                return result.bytes(), result.rows_read(), result.bytes_read()
            finally:
                for key in applied:
                    self.restore_setting(key)

    def insert(self, sql, fmt, body):
        """An INSERT whose rows come in the request's body, in `fmt`."""
        stated = FORMAT_AT_END.search(sql)
        if stated:
            fmt, sql = stated.group(1), sql[: stated.start()]
        elif re.search(r"\bVALUES\s*$", sql, re.IGNORECASE):
            fmt, sql = "Values", re.sub(r"\bVALUES\s*$", "", sql, flags=re.IGNORECASE)
        inserter = self.conn.send_insert(sql.strip(), fmt)
        inserter.append(body)
        written = inserter.finish()
        return b"", written.rows_written, written.bytes_written


def literal(value) -> str:
    """A setting's value as SQL: text quoted (as the HTTP interface's
    parameters always are, the setting parsing it), numbers of
    session_settings as they are."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


class Users:
    """The service's users, by salted SHA-256 of their passwords."""

    def __init__(self, path: str):
        self.path = path
        self.digests = {}
        self.reread()

    def reread(self) -> None:
        with open(self.path, encoding="utf-8") as f:
            listed = json.load(f)
        self.digests = {u["name"]: (bytes.fromhex(u["salt"]), u["sha256"]) for u in listed}

    def check(self, name: str, password: str) -> bool:
        known = self.digests.get(name)
        if known is None:
            return False
        salt, digest = known
        given = hashlib.sha256(salt + password.encode()).hexdigest()
        return hmac.compare_digest(given, digest)


def decode_body(encoding: str, body: bytes) -> bytes:
    """A request body as sent with Content-Encoding `encoding`."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding == "gzip":
        return zlib.decompress(body, 16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding == "lz4":
        import lz4.frame

        return lz4.frame.decompress(body)
    if encoding == "zstd":
        import zstandard

        return zstandard.ZstdDecompressor().decompressobj().decompress(body)
    raise ValueError(f"Code: 48. DB::Exception: Unsupported Content-Encoding: {encoding}. (NOT_IMPLEMENTED)")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ClickHouse (aiven-local, chDB)"

    def log_message(self, *args):  # Requests are not logged: URLs may carry passwords.
        pass

    def do_GET(self):
        self.handle_request(b"")

    def do_POST(self):
        self.handle_request(self.read_body())

    def read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def handle_request(self, body: bytes):
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        if url.path in ("/ping", "/") and "query" not in params and not body:
            return self.answer(200, b"Ok.\n", {"Content-Type": "text/plain; charset=UTF-8"})
        user, password = self.credentials(params)
        if not self.server.users.check(user, password):
            message = (
                f"Code: 516. DB::Exception: {user}: Authentication failed: password is incorrect, "
                "or there is no user with such name. (AUTHENTICATION_FAILED)\n"
            )
            return self.error(AUTHENTICATION_FAILED, message)
        try:
            body = decode_body(self.headers.get("Content-Encoding", ""), body)
            self.run(params, body)
        except Exception as err:  # The engine's own message, as ClickHouse words it.
            text = str(err)
            found = ERROR_CODE.search(text)
            self.error(int(found.group(1)) if found else 1002, text.strip() + "\n")

    def credentials(self, params):
        auth = self.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                return user, password
            except ValueError:
                return "", ""
        if "X-ClickHouse-User" in self.headers:
            return self.headers["X-ClickHouse-User"], self.headers.get("X-ClickHouse-Key", "")
        return params.get("user", "default"), params.get("password", "")

    def run(self, params, body):
        if "query" in params:
            sql, data = params["query"], body if body else None
            if data is not None and not INSERT.match(sql):
                sql, data = sql + " " + data.decode(), None
        elif HEAD_OF_INSERT.match(body):
            # "INSERT ... FORMAT X" on the body's first line, its rows after.
            head = HEAD_OF_INSERT.match(body)
            sql, data = head.group(1).decode(), body[head.end():]
        else:
            sql, data = body.decode(), None
        stated = FORMAT_AT_END.search(sql) if data is None else None
        fmt = (stated.group(1) if stated else None) or params.get("default_format") \
            or self.headers.get("X-ClickHouse-Format") or "TabSeparated"
        if stated:
            sql = sql[: stated.start()]
        database = params.get("database") or self.headers.get("X-ClickHouse-Database") or "default"
        query_params = {k[6:]: v for k, v in params.items() if k.startswith("param_")}
        settings = {k: v for k, v in params.items() if k not in HTTP_ONLY and not k.startswith("param_")}
        started = time.monotonic_ns()
        output, rows, size = self.server.engine.run(
            sql, fmt, database, query_params, settings, data)
        elapsed = time.monotonic_ns() - started
        written = data is not None
        summary = {
            "read_rows": str(0 if written else rows), "read_bytes": str(0 if written else size),
            "written_rows": str(rows if written else 0), "written_bytes": str(size if written else 0),
            "total_rows_to_read": "0", "result_rows": "0", "result_bytes": str(len(output)),
            "elapsed_ns": str(elapsed),
        }
        self.answer(200, output, {
            "Content-Type": CONTENT_TYPES.get(fmt, "application/octet-stream"),
            "X-ClickHouse-Format": fmt,
            "X-ClickHouse-Query-Id": params.get("query_id") or str(uuid.uuid4()),
            "X-ClickHouse-Summary": json.dumps(summary),
        })

    def error(self, code: int, message: str):
        status = HTTP_STATUS_OF_CODE.get(code, 500)
        self.answer(status, message.encode(), {
            "Content-Type": "text/plain; charset=UTF-8",
            "X-ClickHouse-Exception-Code": str(code),
        })

    def answer(self, status: int, body: bytes, headers):
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("X-ClickHouse-Timezone", "UTC")
        self.send_header("X-ClickHouse-Server-Display-Name", "aiven-local")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Control(socketserver.StreamRequestHandler):
    """aiven-local's requests: {"sql": ..., "format": ..., "database": ...}, {"reread_users": true}
    or {"session_settings": {...}}."""

    def handle(self):
        for line in self.rfile:
            try:
                asked = json.loads(line)
                if asked.get("reread_users"):
                    self.server.users.reread()
                    answer = {"ok": ""}
                elif "session_settings" in asked:
                    self.server.engine.set_defaults(asked["session_settings"])
                    answer = {"ok": ""}
                else:
                    database = asked.get("database", "default")
                    out, _, _ = self.server.engine.run(asked["sql"], asked.get("format", "TSV"), database)
                    answer = {"ok": out.decode(errors="replace")}
            except Exception as err:
                answer = {"error": str(err).strip()}
            self.wfile.write(json.dumps(answer).encode() + b"\n")
            self.wfile.flush()


class TlsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port, context, engine, users):
        super().__init__(("127.0.0.1", port), Handler)
        # The handshake happens in the connection's own thread, on its
        # first read: a slow client never holds up the others.
        self.socket = context.wrap_socket(self.socket, server_side=True,
                                          do_handshake_on_connect=False)
        self.engine, self.users = engine, users


class ControlServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for flag in ("--data", "--config", "--users", "--cert", "--key", "--control", "--pid-file"):
        parser.add_argument(flag, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    name_this_process(b"chdb-http")
    os.umask(0o077)
    # The pid file first: a server still starting is one aiven-local can
    # find and stop (after a crash of its own, say). aiven-local knows it
    # is ready when its control socket answers.
    with open(args.pid_file + ".part", "w", encoding="utf-8") as f:
        f.write(str(os.getpid()))
    os.rename(args.pid_file + ".part", args.pid_file)
    engine = Engine(args.data, args.config)
    users = Users(args.users)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    try:
        os.unlink(args.control)
    except FileNotFoundError:
        pass
    control = ControlServer(args.control, Control)
    control.engine, control.users = engine, users
    server = TlsServer(args.port, context, engine, users)
    # The control socket answers once the HTTPS port is bound.
    threading.Thread(target=control.serve_forever, daemon=True).start()
    import signal

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    server.serve_forever(poll_interval=0.2)
    with engine.lock:
        engine.conn.close()


if __name__ == "__main__":
    main()
