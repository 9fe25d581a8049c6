#!/usr/bin/env python3
"""A fake PagerDuty REST API for benchmarks: every service `S` has the escalation policy `EP-S`,
whose level-1 on-call is one user until tomorrow. Answers `GET /services/{id}` and
`GET /oncalls?escalation_policy_ids[]=...` in the documented shapes, counts the calls and
prints the counts on SIGTERM.

    scripts/fake-pagerduty.py PORT
"""
import datetime
import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

calls = {"services": 0, "oncalls": 0}
lock = threading.Lock()


def policy(service_id):
    return {"id": f"EP-{service_id}", "type": "escalation_policy_reference", "summary": f"Policy {service_id}",
            "html_url": f"https://acme.pagerduty.com/escalation_policies/EP-{service_id}"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path.startswith("/services/"):
            with lock:
                calls["services"] += 1
            service_id = url.path.rsplit("/", 1)[1]
            self.reply(200, {"service": {"id": service_id, "type": "service", "name": service_id,
                                         "escalation_policy": policy(service_id)}})
        elif url.path == "/oncalls":
            with lock:
                calls["oncalls"] += 1
            now = datetime.datetime.now(datetime.timezone.utc)
            start = (now - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
            end = (now + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
            oncalls = []
            for ep in parse_qs(url.query).get("escalation_policy_ids[]", []):
                service_id = ep.removeprefix("EP-")
                oncalls.append({
                    "escalation_policy": policy(service_id), "escalation_level": 1, "schedule": None,
                    "user": {"id": f"U-{service_id}", "type": "user", "name": f"On-call {service_id}",
                             "summary": f"On-call {service_id}", "email": f"oncall-{service_id.lower()}@example.com",
                             "html_url": f"https://acme.pagerduty.com/users/U-{service_id}"},
                    "start": start, "end": end})
            self.reply(200, {"oncalls": oncalls, "limit": 100, "offset": 0, "more": False, "total": None})
        else:
            self.reply(404, {"error": {"message": "Not Found", "code": 2100}})


def main():
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)

    def stop(*_):
        print(f"fake PagerDuty calls: {calls}", flush=True)
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    server.serve_forever()


if __name__ == "__main__":
    main()
