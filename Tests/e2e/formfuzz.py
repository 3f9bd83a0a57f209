"""A fuzzer for every dashboard form: signed in, with a valid CSRF token, it submits each form found on the
dashboard's pages with hostile values in one field at a time (and sometimes all at once) and checks the answer.

Rules checked for every submission: never a 5xx; a 4xx page names what is wrong next to a field (an element of
class `field-error`) or is one of the app's explained refusals (403/404/409 pages); the app is still up afterwards.
Destructive forms that would end the run (sign out, disconnect, revoke the fuzzer's own key) are left out.
"""
import html
import random
import re
import urllib.parse

import requests

NASTY = [
    "", " ", "0", "-1", "1e309", "NaN", "99999999999999999999", "true", "null", "[]", "{}", "\u0000", "\ufeff",
    "a" * 10_000, "é" * 300, "😀" * 100, "<script>alert(1)</script>", "\"'><img src=x onerror=alert(1)>",
    "'; DROP TABLE profile; --", "../../etc/passwd", "%00", "%", "\r\nSet-Cookie: x=1", "act_", "act_1001",
    "facebook|act_1001", "tiktok|", "|", "new", "existing", "from_step", "add", "remove", "email", "delay",
    "in_segment", "equals", "9" * 19, "2000-02-30", "2000-01-31", "${jndi:ldap://x}", "\\", "//evil.example",
]

SKIP_ACTIONS = ("/signout", "/disconnect", "/revoke", "/remove", "/delete")


def forms_of(page, page_url):
    """Every POST form on a page: (absolute action, [(name, value)] defaults, [names of fields])."""
    found = []
    for match in re.finditer(r"<form\b([^>]*)>(.*?)</form>", page, re.S | re.I):
        attributes, inner = match.group(1), match.group(2)
        if 'method="post"' not in attributes.lower():
            continue
        action = re.search(r'action="([^"]*)"', attributes)
        target = urllib.parse.urljoin(page_url, html.unescape(action.group(1)) if action else page_url)
        if any(part in urllib.parse.urlparse(target).path for part in SKIP_ACTIONS) or "multipart" in attributes:
            continue
        defaults, names = [], []
        for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", inner):
            name = re.search(r'name="([^"]*)"', tag)
            if not name:
                continue
            name = html.unescape(name.group(1))
            value = re.search(r'value="([^"]*)"', tag)
            defaults.append((name, html.unescape(value.group(1)) if value else ""))
            if name != "_csrf":
                names.append(name)
        for option_select in re.finditer(r'<select\b[^>]*name="([^"]*)"[^>]*>(.*?)</select>', inner, re.S):
            first = re.search(r'<option value="([^"]*)"', option_select.group(2))
            if first:
                defaults.append((html.unescape(option_select.group(1)), html.unescape(first.group(1))))
        found.append((target, defaults, sorted(set(names))))
    return found


def fuzz(base_url, session, pages, budget, seed=20261122, sign_in=None):
    """Submits up to `budget` fuzzed forms found on `pages`; returns (requests sent, [problems])."""
    rng = random.Random(seed)
    sent, problems = 0, []
    while sent < budget:
        for path in pages:
            url = base_url + path
            page = session.get(url, timeout=30)
            if "/signin" in page.url and sign_in:
                session = sign_in()
                page = session.get(url, timeout=30)
            if page.status_code >= 500:
                problems.append(f"GET {path} answered {page.status_code}")
            token = re.search(r'name="_csrf" value="([^"]+)"', page.text)
            for target, defaults, names in forms_of(page.text, url):
                if sent >= budget:
                    return sent, problems
                form = [(k, v) for k, v in defaults if k != "_csrf"]
                if names and rng.random() < 0.8:
                    victim = rng.choice(names)
                    form = [(k, rng.choice(NASTY) if k == victim else v) for k, v in form]
                else:
                    form = [(k, rng.choice(NASTY)) for k, _ in form]
                if rng.random() < 0.2:
                    form.append((rng.choice(names or ["x"]), rng.choice(NASTY)))   # a field sent twice
                form.insert(0, ("_csrf", token.group(1) if token else ""))
                answer = session.post(target, data=form, allow_redirects=False, timeout=60)
                sent += 1
                where = urllib.parse.urlparse(target).path
                if answer.status_code >= 500:
                    problems.append(f"POST {where} answered {answer.status_code} for {form[1:]!r:.300}")
                elif answer.status_code in (400, 422) and "text/html" in answer.headers.get("Content-Type", ""):
                    explained = ('class="field-error"', 'id="launch-problems"', "The connection was not made")
                    if not any(mark in answer.text for mark in explained):
                        problems.append(f"POST {where} answered {answer.status_code} without naming a field")
    return sent, problems


def still_up(base_url):
    return requests.get(base_url + "/healthz", timeout=10).status_code == 200
