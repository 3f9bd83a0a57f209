#!/usr/bin/env python3
"""Writes Tests/Fixtures/messy_profiles.json: a varied corpus of realistic, messy /users/track objects, each with
the attributes that must be stored (canonical forms) and the attributes that must be reported as bad.

Deterministic (seeded), so the fixture only changes when this script does. Run: scripts/gen-messy-profiles.py
"""
import hashlib
import json
import pathlib
import random

OUT = pathlib.Path(__file__).resolve().parents[1] / "Tests" / "Fixtures" / "messy_profiles.json"

GENDERS = [("male", "M"), ("Male", "M"), ("MALE", "M"), ("m", "M"), (" M ", "M"), ("man", "M"), ("Männlich", "M"),
           ("female", "F"), ("Female", "F"), ("f", "F"), ("woman", "F"), ("Woman ", "F"), ("weiblich", "F"), ("femme", "F"),
           ("other", "O"), ("Non-binary", "O"), ("nonbinary", "O"), ("o", "O"), ("N/A", "N"), ("not applicable", "N"),
           ("prefer not to say", "P"), ("Prefer not to say", "P"), ("p", "P"), ("unknown", "U"), ("U", "U")]
COUNTRIES = [("US", "US"), ("us", "US"), ("U.S.", "US"), ("USA", "US"), ("U.S.A.", "US"), ("United States", "US"),
             ("united states of america", "US"), ("America", "US"), ("UK", "GB"), ("United Kingdom", "GB"),
             ("Great Britain", "GB"), ("England", "GB"), ("gb", "GB"), ("Deutschland", "DE"), ("Germany", "DE"), ("DEU", "DE"),
             ("de", "DE"), ("France", "FR"), ("fr", "FR"), ("España", "ES"), ("Spain", "ES"), ("Italia", "IT"),
             ("Brasil", "BR"), ("Brazil", "BR"), ("Canada", "CA"), ("CAN", "CA"), ("Japan", "JP"), ("Côte d'Ivoire", "CI"),
             ("Ivory Coast", "CI"), ("Nederland", "NL"), ("Holland", "NL"), ("Schweiz", "CH"), ("South Korea", "KR"),
             ("India", "IN"), ("méxico", "MX"), ("Österreich", "AT"), ("the Netherlands", "NL")]
FIRST = ["Mary", "José", "Zoë", "Li", "Ahmed", "Ólafur", "Anne-Marie", "Søren", "Priya", "Chen", "Łukasz", "Amélie"]
LAST = ["Smith", "García", "Müller", "O'Brien", "Nguyen", "Kowalski", "Dubois", "Rossi", "Tanaka", "van der Berg"]
DOMAINS = ["example.com", "Example.COM", "mail.example.org", "EXAMPLE.net", "gmail.com", "GMail.com"]
BAD = [("email", "not-an-email"), ("email", "mary@"), ("email", "a b@c.co"), ("gender", "?"), ("gender", "helicopter"),
       ("country", "Narnia"), ("country", "Atlantis"), ("dob", "1990-02-30"), ("dob", "31/12/1990"), ("dob", "1850-01-01"),
       ("idfa", "123"), ("gaid", "not-a-uuid"), ("phone", "call me"), ("phone", "12"), ("ads_tracking_enabled", "maybe"),
       ("do_not_sell", "sometimes"), ("nested", {"a": 1}), ("$reserved", "x")]


def email_case(rng, i):
    local = rng.choice(FIRST).lower().replace("ë", "e").replace("é", "e").replace("ł", "l").replace("ø", "o").replace("ó", "o")
    local = "".join(c for c in local if c.isascii() and (c.isalnum() or c in "-")) + str(i)
    domain = rng.choice(DOMAINS)
    pad = rng.choice(["", " ", "  ", "\t", " \n"])
    raw = pad + (local.capitalize() if i % 3 == 0 else local) + "@" + domain + rng.choice(["", " ", "  "])
    return raw, (local + "@" + domain).lower()


def phone_case(rng):
    digits = "".join(str(rng.randint(0, 9)) for _ in range(7))
    raw = rng.choice([f"+1 (650) 555-{digits[:4]}", f"650.555.{digits[:4]}", f"+44 20 7946 {digits[:4]}", f"0049 30 {digits}",
                      f" +33 1 42 68 {digits[:2]} {digits[2:4]} "])
    return raw, raw.strip()


def main():
    rng = random.Random(16)
    corpus = []
    for i in range(140):
        obj = {"external_id": f"messy-{i:03d}" if i % 17 else f"  messy-{i:03d}  "}
        expected = {}
        bad = []
        raw, canon = email_case(rng, i)
        if i % 11 == 0:   # a pre-hashed email, sometimes upper-case hex
            digest = hashlib.sha256(canon.encode()).hexdigest()
            raw, canon = (digest.upper() if i % 2 else digest), digest
        obj["email"], expected["email"] = raw, canon
        if i % 2 == 0:
            obj["gender"], expected["gender"] = GENDERS[i % len(GENDERS)]
        if i % 3 != 2:
            obj["country"], expected["country"] = COUNTRIES[i % len(COUNTRIES)]
        if i % 4 == 1:
            raw, canon = phone_case(rng)
            if i % 13 == 1:
                canon = hashlib.sha256(str(i).encode()).hexdigest()
                raw = canon.upper()
            obj["phone"], expected["phone"] = raw, canon
        if i % 5 != 3:
            first = rng.choice(FIRST)
            obj["first_name"], expected["first_name"] = " " + first + " ", first
            last = rng.choice(LAST)
            obj["last_name"], expected["last_name"] = last, last
        if i % 6 == 0:
            obj["dob"], expected["dob"] = f"19{rng.randint(40, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}", None
            expected["dob"] = obj["dob"]
        if i % 7 == 0:
            obj["ads_tracking_enabled"] = [True, False, "yes", "no", "TRUE", "false", 1, 0][i % 8]
            expected["ads_tracking_enabled"] = obj["ads_tracking_enabled"] in (True, "yes", "TRUE", 1)
        if i % 9 == 4:
            obj["do_not_sell"], expected["do_not_sell"] = "Yes", True
        if i % 8 == 5:
            obj["idfa"] = "6032D997-3AB0-4DE0-AA16-8AF0E5B482FB"
            expected["idfa"] = obj["idfa"].lower()
        obj["plan"], expected["plan"] = rng.choice(["gold", "silver", "free"]), None
        expected["plan"] = obj["plan"]
        if i % 4 == 0:
            obj["visits"], expected["visits"] = rng.randint(0, 500), None
            expected["visits"] = obj["visits"]
        if i % 10 == 3:
            obj["tags"] = ["vip", "newsletter"][: 1 + i % 2]
            expected["tags"] = obj["tags"]
        if i % 5 == 2:   # one or two bad attributes: the user must still be stored with everything else
            for field, value in rng.sample(BAD, 1 + i % 2):
                obj[field] = value
                expected.pop(field, None)
                bad.append(field)
        corpus.append({"object": obj, "stored": expected, "bad": sorted(set(bad))})
    OUT.write_text(json.dumps(corpus, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(corpus)} profiles to {OUT}")


if __name__ == "__main__":
    main()
