"""The HTTP side: `/probe` (multi-target, like snmp_exporter), `/metrics` (the exporter's own).

HTTP requests are served on threads; every SNMP exchange runs on one asyncio loop thread
that owns pysnmp's engine. A request thread hands its probe to the loop and waits for
the result, which the probe guarantees inside its deadline.

With a web config (`--web.config.file`, webconfig.py) the server speaks TLS and asks for
basic auth on every path. The accepting thread only wraps a new connection (no I/O); its
TLS handshake runs on the connection's own thread under a timeout, so a client that
stalls mid-handshake holds one thread, not the accept loop and every scrape behind it.

With `--textfile-dir`, `/metrics` also serves the `*.prom` files there (textfile.py): the
config backup and compliance metrics reach Prometheus through the exporter's own job.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import sys
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.process_collector import ProcessCollector

from dcops_exporters.basicauth import UNAUTHORIZED_REASONS, BasicAuth, FailureLog
from dcops_exporters.modules import MODULES
from dcops_exporters.probe import FAILURE_REASONS, BadRequest, Prober, ProbeResult
from dcops_exporters.textfile import MAX_FILE_BYTES, TextfileCollector
from dcops_exporters.webconfig import TlsContext, WebConfig

log = logging.getLogger("dcops.exporter")

TIMEOUT_HEADER = "X-Prometheus-Scrape-Timeout-Seconds"
HANDSHAKE_TIMEOUT = 10.0  # seconds a client gets to complete its TLS handshake


class ExporterMetrics:
    """The exporter's own metrics, in their own registry (never mixed into a probe)."""

    def __init__(self):
        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        self.probes = Counter("dcops_exporter_probes", "Probes run, by module and result.",
                              ["module", "result"], registry=self.registry)
        self.invalid = Counter("dcops_exporter_invalid_requests", "Probe requests refused with HTTP 400.",
                               ["reason"], registry=self.registry)
        self.refused = Counter("dcops_exporter_probes_refused", "Probes answered with dcops_probe_success 0 "
                               "without being started, because they could not have finished before their "
                               "deadline (reason: queue = the wait alone was too long; deadline = the "
                               "time left when their turn came was too short).",
                               ["module", "reason"], registry=self.registry)
        self.duration = Histogram("dcops_exporter_probe_duration_seconds", "Probe durations.", ["module"],
                                  buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30), registry=self.registry)
        self.failures = Counter("dcops_exporter_probe_failures", "Failed probes, by module and why they failed "
                                "(the reason label of dcops_probe_failure_reason).",
                                ["module", "reason"], registry=self.registry)
        self.unauthorized = Counter("dcops_exporter_http_requests_unauthorized", "Requests answered 401: "
                                    "no credentials (missing), not HTTP basic auth (malformed), or a wrong "
                                    "user or password (invalid).", ["reason"], registry=self.registry)
        self.handshake_failures = Counter("dcops_exporter_tls_handshake_failures", "TLS connections that "
                                          "failed or timed out in the handshake.", registry=self.registry)
        for name in MODULES:
            for result in ("success", "failure"):
                self.probes.labels(name, result)
            for reason in ("queue", "deadline"):
                self.refused.labels(name, reason)
            for reason in FAILURE_REASONS:
                self.failures.labels(name, reason)
        for reason in UNAUTHORIZED_REASONS:
            self.unauthorized.labels(reason)

    def watch(self, prober: Prober) -> None:
        """Gauges read from the admission controller at scrape time."""
        adm = prober.admission
        for name, doc, read in (
            ("dcops_exporter_probes_in_flight", "Probes running now.", lambda: adm.in_flight),
            ("dcops_exporter_probes_queued", "Probes waiting for a slot.", lambda: adm.queued),
            ("dcops_exporter_probe_concurrency_limit", "Probes allowed to run at once (adapts to load).",
             lambda: adm.limit),
        ):
            Gauge(name, doc, registry=self.registry).set_function(read)

    def read_textfiles(self, directories: Sequence[str | Path], max_bytes: int = MAX_FILE_BYTES) -> TextfileCollector:
        """Serve the `*.prom` files of `directories` too (textfile.py). Call it last: a file
        may not redefine any metric registered before it."""
        own = {name for family in self.registry.collect() for name in (family.name, *(s.name for s in family.samples))}
        collector = TextfileCollector(directories, reserved=own, max_bytes=max_bytes)
        self.registry.register(collector)
        return collector


class Exporter:
    def __init__(self, prober: Prober, default_timeout: float = 10.0, max_timeout: float = 120.0,
                 timeout_offset: float = 0.5, web: WebConfig | None = None,
                 textfile_dirs: Sequence[str | Path] = ()):
        self.prober = prober
        self.default_timeout, self.max_timeout, self.timeout_offset = default_timeout, max_timeout, timeout_offset
        self.metrics = ExporterMetrics()
        self.metrics.watch(prober)
        if textfile_dirs:
            self.metrics.read_textfiles(textfile_dirs)
        self.web = web
        self.tls = TlsContext(web.tls) if web and web.tls else None
        self.auth = BasicAuth(web.users) if web and web.users else None
        self.auth_failure_log = FailureLog(log)
        self.extra_headers = dict(web.headers) if web else {}
        self.loop = asyncio.new_event_loop()
        self._loop_thread = threading.Thread(target=self.loop.run_forever, name="snmp-loop", daemon=True)
        self.httpd: ThreadingHTTPServer | None = None

    def probe_timeout(self, header: str | None) -> float:
        """The scrape timeout Prometheus announced, minus a margin for the HTTP round trip."""
        timeout = self.default_timeout
        if header:
            try:
                timeout = float(header)
            except ValueError:
                pass
        timeout = min(timeout, self.max_timeout) - self.timeout_offset
        return max(timeout, 0.1)

    def bind(self, host: str, port: int) -> ThreadingHTTPServer:
        exporter = self

        class Handler(_Handler):
            pass

        Handler.exporter = exporter
        self.httpd = _HTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.httpd.exporter = self
        return self.httpd

    def serve_forever(self) -> None:
        self._loop_thread.start()
        try:
            self.httpd.serve_forever()
        finally:
            self.close()

    def close(self) -> None:
        if self.httpd:
            self.httpd.server_close()
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)


class _HTTPServer(ThreadingHTTPServer):
    # A Prometheus fleet opens many scrapes at once; the default backlog of 5 would make
    # the kernel drop SYNs and a client retry a second later, past tight scrape timeouts.
    request_queue_size = 512
    daemon_threads = True
    exporter: Exporter

    def get_request(self):
        """Accept; with TLS, wrap without handshaking (that is I/O: finish_request does it)."""
        conn, addr = super().get_request()
        tls = self.exporter.tls
        if tls is not None:
            try:
                conn = tls.get().wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
            except (OSError, ValueError):
                conn.close()
                raise OSError("connection closed before TLS started") from None
        return conn, addr

    def finish_request(self, request, client_address):
        if isinstance(request, ssl.SSLSocket):  # on the connection's own thread
            try:
                request.settimeout(HANDSHAKE_TIMEOUT)
                request.do_handshake()
                request.settimeout(None)
            except (OSError, ValueError) as exc:
                self.exporter.metrics.handshake_failures.inc()
                log.debug("TLS handshake with %s failed: %s", client_address[0], _tls_reason(exc))
                return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        """A client that drops its connection is routine; anything else is logged once, in full."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, socket.timeout)):
            log.debug("connection from %s ended: %s", client_address[0], type(exc).__name__)
            return
        log.exception("error serving %s", client_address[0])


def _tls_reason(exc: BaseException) -> str:
    return getattr(exc, "reason", None) or type(exc).__name__


class _Handler(BaseHTTPRequestHandler):
    exporter: Exporter
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the body waits for the
    # client's delayed ACK (~40 ms on Linux) on every scrape.
    disable_nagle_algorithm = True
    server_version = "dcops-exporter"

    def log_message(self, fmt, *args):  # access logs off: Prometheus scrapes are routine
        log.debug("%s " + fmt, self.client_address[0], *args)

    def _send(self, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in {**self.exporter.extra_headers, **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _authorized(self, path: str) -> bool:
        """With basic_auth_users, every path needs valid credentials, as in exporter-toolkit."""
        auth = self.exporter.auth
        if auth is None:
            return True
        reason = auth.check(self.headers.get("Authorization"))
        if reason is None:
            return True
        self.exporter.metrics.unauthorized.labels(reason).inc()
        self.exporter.auth_failure_log(self.client_address[0], path, reason)
        self._send(401, b"Unauthorized\n", headers={"WWW-Authenticate": 'Basic realm="dcops exporter"'})
        return False

    def do_GET(self):
        url = urlsplit(self.path)
        if not self._authorized(url.path):
            return
        if url.path == "/probe":
            return self._probe(parse_qs(url.query))
        if url.path == "/metrics":
            return self._send(200, generate_latest(self.exporter.metrics.registry), CONTENT_TYPE_LATEST)
        if url.path == "/":
            modules = "".join(f"<li>{n}: {m.description}</li>" for n, m in sorted(MODULES.items()))
            body = (f"<html><head><title>dcops exporter</title></head><body><h1>dcops exporter</h1>"
                    f"<p><a href='/metrics'>Exporter metrics</a></p><p>Probe: /probe?target=&lt;device&gt;"
                    f"&amp;module=&lt;module&gt;</p><ul>{modules}</ul></body></html>").encode()
            return self._send(200, body, "text/html; charset=utf-8")
        return self._send(404, b"not found\n")

    def _probe(self, params: dict[str, list[str]]) -> None:
        ex = self.exporter
        target = (params.get("target") or [None])[0]
        module = (params.get("module") or [None])[0]
        debug = (params.get("debug") or ["false"])[0].lower() in ("1", "true", "yes")
        try:
            ex.prober.validate(target, module)
        except BadRequest as exc:
            ex.metrics.invalid.labels(exc.reason).inc()
            return self._send(400, f"{exc}\n".encode())
        timeout = ex.probe_timeout(self.headers.get(TIMEOUT_HEADER))
        started = ex.prober.clock()
        future = asyncio.run_coroutine_threadsafe(ex.prober.probe(target, module, timeout, started), ex.loop)
        try:
            result = future.result(timeout + 0.25)
        except Exception as exc:
            # The loop is too busy to finish in time: answer anyway, inside the scrape timeout.
            future.cancel()
            duration = ex.prober.clock() - started
            message = f"probe did not complete in {duration:.2f}s: exporter overloaded ({type(exc).__name__})"
            device = ex.prober.inv.device(target)
            result = ProbeResult(False, ex.prober.render(device, [], "overload", duration), [message], duration,
                                 reason="overload")
        ex.metrics.probes.labels(module, "success" if result.success else "failure").inc()
        if result.reason:
            ex.metrics.failures.labels(module, result.reason).inc()
        if result.refused:
            ex.metrics.refused.labels(module, result.refused).inc()
        else:
            ex.metrics.duration.labels(module).observe(result.duration)
        if not result.success:
            log.info("probe %s/%s failed: %s", target, module, result.log[-1] if result.log else "")
        if debug:
            text = "Logging output:\n" + "\n".join(result.log) + "\n\nMetrics:\n" + result.body.decode()
            return self._send(200, text.encode())
        return self._send(200, result.body, CONTENT_TYPE_LATEST)
