/// Identifier values normalized and hashed ahead of time, on a request's own thread, so that the walk inside the
/// single writer's transaction looks them up instead of preparing them there (issue 17: the writer only writes).
///
/// A value is prepared ahead from what the request itself carries; the walk reads the stored profile merged with
/// it, so a value the request did not carry (a stored attribute), or that a stored country changes, is not found
/// and is prepared where it is needed. Preparing is a pure function of partner, field, raw value and country — the
/// key — so the row is the same either way.
public struct PreparedValues: Sendable {
    private struct Key: Hashable {
        let partner: PartnerID
        let field: IdentifierField
        let raw: String
        let country: String?
    }

    private var values: [Key: String] = [:]

    /// Nothing prepared: every value is prepared where it is needed.
    public init() {}

    /// Prepares what each update sets for the fields every Audience Sync step of `paths` matches on (its chosen
    /// fields and its partner's columns sent with every row).
    public init(_ updates: [ProfileUpdate], for paths: [[CanvasStep]]) {
        let steps = paths.joined().compactMap { step -> (PartnerID, any IdentifierRules.Type, [IdentifierField])? in
            guard case .audienceSync(let config) = step.kind, let partner = config.partner,
                  let rules = IdentifierRulesCatalog.rules(for: partner) else { return nil }
            return (partner, rules, config.fields.flatMap(\.identifierFields) + rules.alwaysSent)
        }
        guard !steps.isEmpty else { return }
        for update in updates {
            let profile = ProfileIdentifiers(externalID: update.externalID, update: update.attributes)
            for (partner, rules, fields) in steps {
                let country = rules.recognizedCountry(profile.country)
                for field in fields {
                    guard let raw = profile.rawValue(for: field), !raw.isEmpty else { continue }
                    let key = Key(partner: partner, field: field, raw: raw, country: country)
                    if values[key] == nil { values[key] = rules.prepare(field, raw, country: country) }
                }
            }
        }
    }

    /// The prepared value of `raw` for `field` of `partner` under `country`, if it was prepared ahead.
    func value(_ partner: PartnerID, _ field: IdentifierField, _ raw: String, country: String?) -> String? {
        values.isEmpty ? nil : values[Key(partner: partner, field: field, raw: raw, country: country)]
    }

    /// How many values were prepared ahead.
    public var count: Int { values.count }
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
