"""The baseline: upload users to a Facebook custom audience the way a hand-written script does it with Meta's
official Python SDK (facebook-business): CustomAudience.add_users, 10,000 per call, one call after the other.

The SDK talks to https://graph.facebook.com; here its session's GRAPH base points at the partner sandbox
(the same Graph contract, appsecret_proof included: the SDK computes it from the app secret). The SDK's crash
reporter, which posts to Facebook, is left off.

    .venv-bench/bin/python scripts/bench/sdk_baseline.py --graph http://127.0.0.1:PORT/facebook/graph \\
        --token TOKEN --app-id sandbox-facebook-app --app-secret sandbox-facebook-secret --users 1000000

Prints one JSON line: users, calls, seconds, users_per_second, cpu_seconds (this process's CPU time over the upload
loop alone, without Python's start-up and the SDK's imports), audience_id.

bench.py's `sandbox` figure imports connect, create_audience and add_users_request to send the same calls itself.
"""
import argparse
import json
import sys
import time
import urllib.parse

from facebook_business.api import FacebookAdsApi, FacebookSession, _top_level_param_json_encode
from facebook_business.adobjects.adaccount import AdAccount
from facebook_business.adobjects.customaudience import CustomAudience


def connect(graph, token, app_id="sandbox-facebook-app", app_secret="sandbox-facebook-secret"):
    """The SDK's API object with its session's GRAPH base pointed at `graph` (the sandbox) instead of graph.facebook.com."""
    session = FacebookSession(app_id, app_secret, token)
    session.GRAPH = graph.rstrip("/")
    session.requests.trust_env = False  # no proxy from the environment: the sandbox is on loopback
    return FacebookAdsApi(session)


def create_audience(account, name, description="facebook-business SDK baseline", api=None):
    """A new customer-file custom audience in `account` (act_…), created through the SDK; returns its id."""
    audience = AdAccount(account, api=api).create_custom_audience(params={
        CustomAudience.Field.name: name,
        CustomAudience.Field.subtype: CustomAudience.Subtype.custom,
        CustomAudience.Field.customer_file_source: CustomAudience.CustomerFileSource.user_provided_only,
        CustomAudience.Field.description: description,
    })
    return audience[CustomAudience.Field.id]


def add_users_request(api, audience_id, emails):
    """(URL, form body) of the POST that `CustomAudience(audience_id).add_users(email_hash, emails)` sends, byte for
    byte: built with the SDK's own formatting and encoding (normalized, SHA-256-hashed emails; the token and
    appsecret_proof in the query string, as its session adds them), so a client can send it without the SDK's
    per-call work."""
    session = api._session
    url = "/".join((session.GRAPH, api.API_VERSION, str(audience_id), "users"))
    params = _top_level_param_json_encode(CustomAudience.format_params(CustomAudience.Schema.email_hash, emails))
    return url + "?" + urllib.parse.urlencode(session.requests.params), urllib.parse.urlencode(params).encode()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--graph", required=True, help="Graph base without version, e.g. http://127.0.0.1:8081/facebook/graph")
    p.add_argument("--token", required=True)
    p.add_argument("--app-id", default="sandbox-facebook-app")
    p.add_argument("--app-secret", default="sandbox-facebook-secret")
    p.add_argument("--account", default="act_1001")
    p.add_argument("--users", type=int, default=1_000_000)
    p.add_argument("--batch", type=int, default=10_000)
    p.add_argument("--prefix", default="u", help="emails are <prefix><n>@example.com, as the AudienceSync benchmark enters them")
    p.add_argument("--name", default="SDK baseline")
    args = p.parse_args()

    FacebookAdsApi.set_default_api(connect(args.graph, args.token, args.app_id, args.app_secret))
    audience_id = create_audience(args.account, args.name)

    # The input is ready before the clock starts, as the users' entry bodies are for AudienceSync.
    emails = [f"{args.prefix}{i}@example.com" for i in range(args.users)]
    calls = 0
    started = time.perf_counter()
    cpu_started = time.process_time()
    for start in range(0, len(emails), args.batch):
        # EMAIL_SHA256: the SDK normalizes (trim, lower-case) and SHA-256-hashes each email itself.
        response = CustomAudience(audience_id).add_users(CustomAudience.Schema.email_hash, emails[start:start + args.batch])
        body = response.json()
        if body.get("num_invalid_entries"):
            print(f"sandbox reported invalid entries: {body}", file=sys.stderr)
        calls += 1
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    print(json.dumps({"users": args.users, "calls": calls, "seconds": round(seconds, 3),
                      "users_per_second": round(args.users / seconds, 1), "cpu_seconds": round(cpu_seconds, 3),
                      "audience_id": audience_id}))


if __name__ == "__main__":
    main()
