import Foundation

/// One `audienceMembers[]` entry of a Data Manager ingest or remove call, checked (partners.md §3b.2, §3b.3, §3b.4).
enum GoogleMembers {
    /// The two consent signals as sent.
    struct Consent: Sendable {
        let adUserData: String
        let adPersonalization: String
        static let unspecified = Consent(adUserData: "CONSENT_STATUS_UNSPECIFIED", adPersonalization: "CONSENT_STATUS_UNSPECIFIED")
    }

    /// A member that passed: its data type, stored identifiers (`email:<hash>`, `phone:<hash>`,
    /// `address:<given>|<family>|<region>|<postal>`, `mobile:<id>`, `user_id:<id>`), consent and destination references.
    struct Member {
        let dataType: String
        let identifiers: [String]
        let consent: Consent?
        let references: [String]
    }

    static func parse(_ member: JSON, index: Int, remove: Bool, references known: [String]) throws -> Member {
        let path = "audience_members.audience_members[\(index)]"
        let dataKinds = ["userData", "mobileData", "userIdData", "compositeData", "pairData", "ppidData"]
        let present = dataKinds.filter { member[$0] != nil }
        guard present.count == 1, let kind = present.first, ["userData", "mobileData", "userIdData"].contains(kind) else {
            throw GoogleStatusError.invalid(path, "INVALID_AUDIENCE_MEMBER",
                                            "An audience member sets exactly one of userData, mobileData or userIdData.")
        }
        if remove, member["consent"] != nil { throw GoogleStatusError.badJSON("Unknown name \"consent\" at 'audience_members[\(index)]': Cannot find field.") }
        let consent = try GoogleIngestion.consent(member["consent"], field: "audience_members[\(index)].consent")
        let references = member["destinationReferences"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if let unknown = references.first(where: { !known.contains($0) }) {
            throw GoogleStatusError.invalid(path + ".destination_references", "INVALID_DESTINATION", "Unknown destination reference \(unknown).")
        }
        let identifiers: [String] = switch kind {
        case "userData": try userData(member["userData"], path: path + ".user_data")
        case "mobileData": try plainList(member["mobileData"]?["mobileIds"], path: path + ".mobile_data.mobile_ids", prefix: "mobile:")
        default: try plainList(member["userIdData"]?["userId"].map { .array([$0]) }, path: path + ".user_id_data.user_id", prefix: "user_id:")
        }
        return Member(dataType: kind, identifiers: identifiers, consent: consent, references: references)
    }

    private static func userData(_ value: JSON?, path: String) throws -> [String] {
        guard let entries = value?["userIdentifiers"]?.arrayValue, !entries.isEmpty else {
            throw GoogleStatusError.invalid(path + ".user_identifiers", "REQUIRED_FIELD_MISSING", "User identifiers are required.")
        }
        guard entries.count <= GoogleIngestion.maxIdentifiers else {
            throw GoogleStatusError.invalid(path + ".user_identifiers", "TOO_MANY_USER_IDENTIFIERS",
                                            "At most \(GoogleIngestion.maxIdentifiers) user identifiers per member.")
        }
        return try entries.enumerated().map { position, entry in
            let field = path + ".user_identifiers[\(position)]"
            let keys = ["emailAddress", "phoneNumber", "address"].filter { entry[$0] != nil }
            guard keys.count == 1 else {
                throw GoogleStatusError.invalid(field, "INVALID_ARGUMENT", "A user identifier sets exactly one of emailAddress, phoneNumber, address.")
            }
            switch keys[0] {
            case "emailAddress": return "email:" + (try hash(entry["emailAddress"], field: field, what: "Email"))
            case "phoneNumber": return "phone:" + (try hash(entry["phoneNumber"], field: field, what: "Phone number"))
            default: return try address(entry["address"], field: field + ".address")
            }
        }
    }

    /// SHA-256 hex: hex is case-insensitive (§3b.3), stored lower-case.
    static func hash(_ value: JSON?, field: String, what: String) throws -> String {
        guard let text = value?.stringValue, !text.isEmpty else {
            throw GoogleStatusError.invalid(field, "REQUIRED_FIELD_MISSING", "\(what) is empty.")
        }
        guard text.allSatisfy(\.isHexDigit) else { throw GoogleStatusError.invalid(field, "INVALID_HEX_ENCODING", "\(what) is not hex encoded.") }
        guard text.count == 64 else { throw GoogleStatusError.invalid(field, "INVALID_SHA256_FORMAT", "\(what) is not a SHA-256 digest.") }
        return text.lowercased()
    }

    /// All four parts are required; names hashed, region code (alpha-2, upper case) and postal code in clear.
    private static func address(_ value: JSON?, field: String) throws -> String {
        guard let value, ["givenName", "familyName", "regionCode", "postalCode"].allSatisfy({ !(value[$0]?.stringValue ?? "").isEmpty }) else {
            throw GoogleStatusError.invalid(field, "REQUIRED_FIELD_MISSING", "givenName, familyName, regionCode and postalCode are all required.")
        }
        let given = try hash(value["givenName"], field: field + ".given_name", what: "Given name")
        let family = try hash(value["familyName"], field: field + ".family_name", what: "Family name")
        let region = value["regionCode"]?.stringValue ?? ""
        guard region.count == 2, region.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw GoogleStatusError.invalid(field + ".region_code", "INVALID_REGION_CODE", "Region code must be an ISO-3166-1 alpha-2 code.")
        }
        let postal = value["postalCode"]?.stringValue ?? ""
        guard postal.count < 32 else {   // a hashed postal code: "Postal codes … must not be hashed"
            throw GoogleStatusError.invalid(field + ".postal_code", "INVALID_POSTAL_CODE", "Postal code must not be hashed.")
        }
        return "address:\(given)|\(family)|\(region)|\(postal)"
    }

    /// Mobile ids and user ids, sent in clear.
    private static func plainList(_ value: JSON?, path: String, prefix: String) throws -> [String] {
        guard let items = value?.arrayValue, !items.isEmpty else {
            throw GoogleStatusError.invalid(path, "REQUIRED_FIELD_MISSING", "The identifier is required.")
        }
        guard items.count <= GoogleIngestion.maxIdentifiers else {
            throw GoogleStatusError.invalid(path, "TOO_MANY_USER_IDENTIFIERS", "At most \(GoogleIngestion.maxIdentifiers) per member.")
        }
        return try items.map { item in
            guard let text = item.stringValue, !text.isEmpty else { throw GoogleStatusError.invalid(path, "INVALID_FORMAT", "Expected a string.") }
            return prefix + text
        }
    }
}
