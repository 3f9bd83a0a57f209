/// Upload rows normalized and hashed ahead of time, on a request's own thread, so that the walk inside the single
/// writer's transaction takes them instead of preparing them there (issue 17: the writer only writes).
///
/// A row is prepared ahead from what the user's update itself carries. The walk reads the stored profile merged with
/// the update, so a prepared row is taken only when every raw value it was made from (and the country, which decides
/// phone and address rules) is the same in the merged profile; otherwise — a value only the stored profile has — the
/// row is prepared where it is needed. Preparing is a pure function of those values, so the row is the same either way.
public struct PreparedValues: Sendable {
    private struct RowKey: Hashable {
        let partner: PartnerID
        let fields: [IdentifierField]
    }

    /// What one user's update carried, and the rows made of it (one per key, in `keys` order).
    private struct User: Sendable {
        let profile: ProfileIdentifiers
        let rows: [[String]]
    }

    /// The rows each user gets: a partner and the fields of one of its rows (a handful per canvas).
    private var keys: [RowKey] = []
    private var users: [String: User] = [:]

    /// Nothing prepared: every row is prepared where it is needed.
    public init() {}

    /// Prepares, for each update, the rows every Audience Sync step of `paths` makes: its chosen fields, and its
    /// partner's columns sent with every row.
    public init(_ updates: [ProfileUpdate], for paths: [[CanvasStep]]) {
        var rules: [any IdentifierRules.Type] = []
        for step in paths.joined() {
            guard case .audienceSync(let config) = step.kind, let partner = config.partner,
                  let partnerRules = IdentifierRulesCatalog.rules(for: partner) else { continue }
            for fields in [config.fields.flatMap(\.identifierFields), partnerRules.alwaysSent] where !fields.isEmpty {
                let key = RowKey(partner: partner, fields: fields)
                if !keys.contains(key) { keys.append(key); rules.append(partnerRules) }
            }
        }
        guard !keys.isEmpty else { return }
        users.reserveCapacity(updates.count)
        for update in updates {
            let profile = ProfileIdentifiers(externalID: update.externalID, update: update.attributes)
            users[update.externalID] = User(profile: profile, rows: zip(rules, keys).map { $0.row($1.fields, from: profile) })
        }
    }

    /// The row of `fields` for `partner` prepared ahead from the same values `profile` holds, if there is one.
    func row(_ partner: PartnerID, _ fields: [IdentifierField], for profile: ProfileIdentifiers) -> [String]? {
        guard !users.isEmpty, let index = keys.firstIndex(of: RowKey(partner: partner, fields: fields)),
              let externalID = profile.externalID, let user = users[externalID],
              user.profile.country == profile.country,
              fields.allSatisfy({ user.profile.rawValue(for: $0) == profile.rawValue(for: $0) }) else { return nil }
        return user.rows[index]
    }

    /// How many users have rows prepared ahead.
    public var count: Int { users.count }
}

extension ProfileIdentifiers {
    /// The identifiers an update sets, read from its attributes' canonical JSON texts (what a request carries, before
    /// it is merged into the stored profile). Texts that are not a string (or a flag, for consent) are left out.
    public init(externalID: String, update attributes: [String: String]) {
        // An update sets a few attributes: scanning them is cheaper than hashing each of the fourteen names.
        func lookup(_ name: String) -> String? { attributes.count > 8 ? attributes[name] : attributes.first { $0.key == name }?.value }
        func text(_ name: String) -> String? { lookup(name).flatMap(JSONText.parseString) }
        func flag(_ name: String) -> String? {
            switch lookup(name) {
            case "true": "true"
            case "false": "false"
            default: text(name)
            }
        }
        // Meta's data processing options are left to the walk: they come from two attributes and are not hashed.
        self.init(externalID: externalID, text: text, flag: flag, dataProcessingOptions: nil)
    }
}
