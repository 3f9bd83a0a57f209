import Core
import Partners

/// The Audience Sync step's form: destinations from the workspace's connections, audiences from the partner.
struct SyncForm {
    struct Option {
        let value: String
        let label: String
        let isSelected: Bool
        /// Why the option cannot be chosen (it is listed, disabled), or nil.
        var reason: String?
    }

    let destinations: [Option]
    let hasDestinations: Bool
    let isNew: Bool
    let isExisting: Bool
    let isFromStep: Bool
    let newName: String
    let existing: [Option]
    let hasExisting: Bool
    let existingProblem: String?
    let search: String
    let earlierSteps: [Option]
    let hasEarlierSteps: Bool
    let isAdd: Bool
    let isRemove: Bool
    let fields: [Option]
    let errors: Errors
    /// The refused form's errors at its top, each linking to its field (errors also show beside their fields).
    /// Stored, not computed: templates see stored properties only.
    let errorList: [ErrorLink]
    let hasErrors: Bool

    /// One error in the summary at the top of the form: the message, and the id of the element it is about.
    struct ErrorLink {
        let field: String
        let message: String
    }

    struct Errors {
        let destination: String?
        let audience: String?
        let name: String?
        let fields: String?
        let action: String?

        /// In the form's order: ad account, audience, action, fields.
        var links: [ErrorLink] {
            [("destination", destination), ("audience_name", name), ("audience-error", audience), ("action-error", action), ("fields-error", fields)]
                .compactMap { field, message in message.map { ErrorLink(field: field, message: $0) } }
        }
    }

    static let empty = SyncForm(destinations: [], hasDestinations: false, isNew: true, isExisting: false, isFromStep: false, newName: "",
                                existing: [], hasExisting: false, existingProblem: nil, search: "", earlierSteps: [], hasEarlierSteps: false,
                                isAdd: true, isRemove: false, fields: [], errors: Errors(destination: nil, audience: nil, name: nil, fields: nil, action: nil))

    init(destinations: [Option], hasDestinations: Bool, isNew: Bool, isExisting: Bool, isFromStep: Bool, newName: String, existing: [Option],
         hasExisting: Bool, existingProblem: String?, search: String, earlierSteps: [Option], hasEarlierSteps: Bool, isAdd: Bool,
         isRemove: Bool, fields: [Option], errors: Errors) {
        self.destinations = destinations; self.hasDestinations = hasDestinations; self.isNew = isNew; self.isExisting = isExisting
        self.isFromStep = isFromStep; self.newName = newName; self.existing = existing; self.hasExisting = hasExisting
        self.existingProblem = existingProblem; self.search = search; self.earlierSteps = earlierSteps; self.hasEarlierSteps = hasEarlierSteps
        self.isAdd = isAdd; self.isRemove = isRemove; self.fields = fields; self.errors = errors
        errorList = errors.links; hasErrors = !errorList.isEmpty
    }

    /// The editor of a draft step: lists the account's audiences at the partner (a launched step shows a
    /// ``StepSummary`` instead, and makes no partner call).
    init(_ context: RequestContext, config: AudienceSyncConfig, step: CanvasStep, steps: [CanvasStep], search: String,
         errors: [String: String]) throws {
        let chosen = config.partner.flatMap { partner in config.adAccountID.map { SyncForm.destination(partner, $0) } }
        var options: [Option] = []
        for connection in try context.app.store.connections(workspaceID: context.user.workspaceID) {
            // The facts of the last check, not a call to every connected partner on each view (LinkedIn's per-second
            // limit would then refuse the launch that follows); launch asks the partner again, inactive accounts included.
            for account in try context.app.store.adAccounts(connectionID: connection.id) {
                let value = SyncForm.destination(connection.partner, account.externalID)
                options.append(Option(value: value, label: Self.destinationLabel(connection.partner, accountName: account.name, accountID: account.externalID),
                                      isSelected: value == chosen, reason: AccountUsability.reason(account, live: nil, partner: connection.partner)))
            }
        }
        let (existing, problem) = SyncForm.existingAudiences(context, config: config, search: search)
        var newName = "", isNew = true, isExisting = false, isFromStep = false, sourceID: Int64?
        switch config.audience {
        case .new(let name, _): newName = name
        case .existing: isNew = false; isExisting = true
        case .fromStep(let id): isNew = false; isFromStep = true; sourceID = id
        case nil: break
        }
        let earlier = steps.filter { $0.position < step.position }.compactMap { other -> Option? in
            guard case .audienceSync(let origin) = other.kind, case .new(let name, _) = origin.audience else { return nil }
            return Option(value: String(other.id), label: "Step \(other.position + 1): \(name.isEmpty ? "unnamed new audience" : name)",
                          isSelected: other.id == sourceID)
        }
        let offered = MatchField.offered(by: config.partner ?? .facebook)
        self.init(destinations: options, hasDestinations: !options.isEmpty, isNew: isNew, isExisting: isExisting, isFromStep: isFromStep,
                  newName: newName, existing: existing, hasExisting: !existing.isEmpty, existingProblem: problem, search: search,
                  earlierSteps: earlier, hasEarlierSteps: !earlier.isEmpty, isAdd: config.action == .add, isRemove: config.action == .remove,
                  fields: offered.map { Option(value: $0.rawValue, label: $0.label, isSelected: config.fields.contains($0)) },
                  errors: Errors(destination: errors["destination"], audience: errors["audience"], name: errors["audience_name"],
                                 fields: errors["fields"], action: errors["action"]))
    }

    /// "Facebook — Demo Retail — US (act_1001)": how a destination is named wherever it is shown.
    static func destinationLabel(_ partner: PartnerID, accountName: String?, accountID: String) -> String {
        PartnerInfo.of(partner).displayName + (accountName.map { " — " + $0 } ?? "") + " (\(accountID))"
    }

    /// `facebook|act_1001`: one select carries partner and ad account.
    static func destination(_ partner: PartnerID, _ account: String) -> String { partner.rawValue + "|" + account }

    /// The chosen account's audiences at the partner, filtered by `search`, with the current choice kept.
    private static func existingAudiences(_ context: RequestContext, config: AudienceSyncConfig, search: String) -> ([Option], String?) {
        guard let partner = config.partner, let account = config.adAccountID else {
            return ([], "Choose an ad account and save to see its audiences.")
        }
        var selectedID: String?
        if case .existing(let id, _) = config.audience { selectedID = id }
        guard let connection = try? PartnerSupport.connection(context, partner), let connector = context.app.connectors[partner],
              let token = PartnerSupport.token(context, connection) else {
            return ([], "\(PartnerInfo.of(partner).displayName) is not connected.")
        }
        do {
            let needle = search.trimmingCharacters(in: .whitespaces).lowercased()
            let audiences = try connector.audiences(account: account, token: token)
                .filter { needle.isEmpty || $0.name.lowercased().contains(needle) || $0.id == selectedID }
                .sorted { $0.name.lowercased() < $1.name.lowercased() }
            return (audiences.map { audience in
                let size = audience.approximateSize.map { " — about \($0) people" } ?? ""
                return Option(value: audience.id + "|" + audience.name, label: audience.name + size, isSelected: audience.id == selectedID)
            }, nil)
        } catch {
            return ([], "Could not list the audiences: \(error.message)")
        }
    }
}
