"""Many messages to one conversation at the same moment, spread over one or more running servers.

    .venv/bin/python benchmarks/one_conversation_burst.py http://127.0.0.1:7861 http://127.0.0.1:7862
    .venv/bin/python benchmarks/one_conversation_burst.py http://127.0.0.1:7860 --messages 48 --api-key KEY

Start the servers first, on one shared database (``database_url`` pointing at PostgreSQL) and with the
message rate limits off (``rate_limit_per_ip = "off"``, ``rate_limit_per_session = "off"``), or the
burst is refused with 429 as it should be. One conversation is started, then ``--messages`` messages
are sent to it at once, taking turns across the servers, and every server-sent-event stream is read to
its ``done`` event. Reports the status of each reply, the turn numbers the replies carry and how many
customer messages the conversation's transcript holds. Expected: every reply 200, the turn numbers
1 to N once each, N messages in the transcript. Exit code 1 otherwise.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

QUESTIONS = [
    "How much does express shipping cost?",
    "How long is a password reset link valid?",
    "Can I return an opened item?",
]


def call(method: str, url: str, api_key: str | None, body: dict[str, Any] | None = None) -> tuple[int | str, Any]:
    """(status, JSON body or the ``done`` event's data); ("broken", why) when a stream breaks off."""
    headers = {"Content-Type": "application/json"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, method=method, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            raw = response.read().decode()
            if response.headers.get("Content-Type", "").startswith("text/event-stream"):
                lines = raw.splitlines()
                done = lines.index("event: done")
                return response.status, json.loads(lines[done + 1].removeprefix("data: "))
            return response.status, json.loads(raw or "{}")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()[:200]
    except Exception as error:  # noqa: BLE001 - a stream that broke off is a result here
        return "broken", repr(error)[:160]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("servers", nargs="+", help="base URLs of running servers on one database")
    parser.add_argument("--messages", type=int, default=24, help="messages sent at once (default 24)")
    parser.add_argument("--api-key", default=None, help="API key, when the servers have api_keys set")
    args = parser.parse_args()

    status, started = call("POST", f"{args.servers[0]}/api/sessions", args.api_key, {})
    if status != 201:
        print(f"could not start a conversation: {status} {started}", file=sys.stderr)
        return 1
    session_id = started["session_id"]

    def send(n: int) -> tuple[int | str, Any]:
        server = args.servers[n % len(args.servers)]
        return call("POST", f"{server}/api/sessions/{session_id}/messages", args.api_key, {"text": QUESTIONS[n % len(QUESTIONS)]})

    with ThreadPoolExecutor(args.messages) as pool:
        replies = list(pool.map(send, range(args.messages)))

    statuses = collections.Counter(str(status) for status, _ in replies)
    turn_numbers = sorted(body["turn_no"] for status, body in replies if status == 200)
    _, transcript = call("GET", f"{args.servers[-1]}/api/sessions/{session_id}", args.api_key)
    stored = sum(m.get("role") == "user" for m in transcript.get("messages", [])) if isinstance(transcript, dict) else 0
    print(f"conversation {session_id}: {args.messages} messages over {len(args.servers)} server(s)")
    print(f"replies by status: {dict(statuses)}")
    print(f"turn numbers: {turn_numbers}")
    print(f"customer messages in the transcript: {stored}")
    for problem in sorted({str(body) for status, body in replies if status != 200}):
        print(f"  {problem}")
    ok = statuses == {"200": args.messages} and turn_numbers == list(range(1, args.messages + 1)) and stored == args.messages
    print("OK" if ok else "NOT OK")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
