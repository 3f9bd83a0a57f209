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

    /// What one user's update carried, and the rows made of it.
    private struct User: Sendable {
        let profile: ProfileIdentifiers
        var rows: [RowKey: [String]] = [:]
    }

    private var users: [String: User] = [:]

    /// Nothing prepared: every row is prepared where it is needed.
    public init() {}

    /// Prepares, for each update, the rows every Audience Sync step of `paths` makes: its chosen fields, and its
    /// partner's columns sent with every row.
    public init(_ updates: [ProfileUpdate], for paths: [[CanvasStep]]) {
        var keys: [(rules: any IdentifierRules.Type, key: RowKey)] = []
        for step in paths.joined() {
            guard case .audienceSync(let config) = step.kind, let partner = config.partner,
                  let rules = IdentifierRulesCatalog.rules(for: partner) else { continue }
            for fields in [config.fields.flatMap(\.identifierFields), rules.alwaysSent] where !fields.isEmpty {
                let key = RowKey(partner: partner, fields: fields)
                if !keys.contains(where: { $0.key == key }) { keys.append((rules, key)) }
            }
        }
        guard !keys.isEmpty else { return }
        users.reserveCapacity(updates.count)
        for update in updates {
            var user = User(profile: ProfileIdentifiers(externalID: update.externalID, update: update.attributes))
            for (rules, key) in keys { user.rows[key] = rules.row(key.fields, from: user.profile) }
            users[update.externalID] = user
        }
    }

    /// The row of `fields` for `partner` prepared ahead from the same values `profile` holds, if there is one.
    func row(_ partner: PartnerID, _ fields: [IdentifierField], for profile: ProfileIdentifiers) -> [String]? {
        guard !users.isEmpty, let externalID = profile.externalID, let user = users[externalID],
              let row = user.rows[RowKey(partner: partner, fields: fields)],
              user.profile.country == profile.country,
              fields.allSatisfy({ user.profile.rawValue(for: $0) == profile.rawValue(for: $0) }) else { return nil }
        return row
    }

    /// How many users have rows prepared ahead.
    public var count: Int { users.count }
}

extension ProfileIdentifiers {
    /// The identifiers an update sets, read from its attributes' canonical JSON texts (what a request carries, before
    /// it is merged into the stored profile). Texts that are not a string (or a flag, for consent) are left out.
    public init(externalID: String, update attributes: [String: String]) {
        func text(_ name: String) -> String? { attributes[name].flatMap(JSONText.parseString) }
        func flag(_ name: String) -> String? {
            switch attributes[name] {
            case "true": "true"
            case "false": "false"
            default: text(name)
            }
        }
        // Meta's data processing options are left to the walk: they come from two attributes and are not hashed.
        self.init(externalID: externalID, text: text, flag: flag, dataProcessingOptions: nil)
    }
}
