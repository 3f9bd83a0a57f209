"""The baseline: upload users to a Facebook custom audience the way a hand-written script does it with Meta's
official Python SDK (facebook-business): CustomAudience.add_users, 10,000 per call, one call after the other.

The SDK talks to https://graph.facebook.com; here its session's GRAPH base points at the partner sandbox
(the same Graph contract, appsecret_proof included: the SDK computes it from the app secret). The SDK's crash
reporter, which posts to Facebook, is left off.

    .venv-bench/bin/python scripts/bench/sdk_baseline.py --graph http://127.0.0.1:PORT/facebook/graph \\
        --token TOKEN --app-id sandbox-facebook-app --app-secret sandbox-facebook-secret --users 1000000

Prints one JSON line: users, calls, seconds, users_per_second, audience_id.
"""
import argparse
import json
import sys
import time

from facebook_business.api import FacebookAdsApi, FacebookSession
from facebook_business.adobjects.adaccount import AdAccount
from facebook_business.adobjects.customaudience import CustomAudience


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

    session = FacebookSession(args.app_id, args.app_secret, args.token)
    session.GRAPH = args.graph.rstrip("/")
    session.requests.trust_env = False  # no proxy from the environment: the sandbox is on loopback
    api = FacebookAdsApi(session)
    FacebookAdsApi.set_default_api(api)

    audience = AdAccount(args.account).create_custom_audience(params={
        CustomAudience.Field.name: args.name,
        CustomAudience.Field.subtype: CustomAudience.Subtype.custom,
        CustomAudience.Field.customer_file_source: CustomAudience.CustomerFileSource.user_provided_only,
        CustomAudience.Field.description: "facebook-business SDK baseline",
    })
    audience_id = audience[CustomAudience.Field.id]

    # The input is ready before the clock starts, as the users' entry bodies are for AudienceSync.
    emails = [f"{args.prefix}{i}@example.com" for i in range(args.users)]
    calls = 0
    started = time.perf_counter()
    for start in range(0, len(emails), args.batch):
        # EMAIL_SHA256: the SDK normalizes (trim, lower-case) and SHA-256-hashes each email itself.
        response = CustomAudience(audience_id).add_users(CustomAudience.Schema.email_hash, emails[start:start + args.batch])
        body = response.json()
        if body.get("num_invalid_entries"):
            print(f"sandbox reported invalid entries: {body}", file=sys.stderr)
        calls += 1
    seconds = time.perf_counter() - started
    print(json.dumps({"users": args.users, "calls": calls, "seconds": round(seconds, 3),
                      "users_per_second": round(args.users / seconds, 1), "audience_id": audience_id}))


if __name__ == "__main__":
    main()
