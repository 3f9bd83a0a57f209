import Core
import FastCGI
import Foundation
import Partners
import Storage

/// `POST /canvases/{id}/launch`: checks everything launch needs (live, at the partners), refuses with a list
/// of what to fix, or creates the new audiences at the partners and activates the canvas.
///
/// Audience creation is idempotent: each step has a creation key that goes into the audience's description at
/// the partner, so a launch retried after a crash finds the audience instead of creating a second one.
enum CanvasLaunch {
    /// What is wrong with the canvas's entry criteria: unreadable, invalid, or naming a segment that is gone.
    static func criteriaProblems(_ store: Store, _ workspace: Int64, _ canvas: Canvas) throws -> [String] {
        guard let criteria = CriteriaStorage.decode(canvas.entryCriteriaJSON) else {
            return ["the stored criteria cannot be read; remove the filters and add them again."]
        }
        let found = try store.segmentCriteria(workspaceID: workspace, ids: criteria.segmentIDs)
        let missing = criteria.segmentIDs.subtracting(found.keys).sorted()
        return criteria.problems().map(\.message)
            + missing.map { "segment #\($0) no longer exists (or cannot be read); remove its filter." }
    }

    static func handle(_ context: RequestContext, _ id: Int64) throws -> Response {
        let store = context.app.store
        let workspace = context.user.workspaceID
        let canvas = try store.canvas(workspaceID: workspace, id: id)
        guard canvas.status == .draft else { return CanvasActions.back(id) }
        let steps = try store.steps(canvasID: id)
        let deadline = PageDeadline()
        var facts = try LaunchFacts.gather(context, steps: steps, deadline: deadline)
        facts.snapshot.criteriaProblems = try criteriaProblems(store, workspace, canvas)
        let problems = facts.problems + LaunchValidation.problems(facts.snapshot) + unusableAccounts(steps, facts)
        guard problems.isEmpty else { return try refuse(context, id, problems) }
        for step in steps {
            guard case .audienceSync(let config) = step.kind, case .new(let name, nil) = config.audience,
                  let partner = config.partner, let account = config.adAccountID, let link = facts.links[partner] else { continue }
            // Audiences created so far stay (creation is idempotent): launching again reuses them.
            guard !deadline.isSpent else { return try refuse(context, id, [LaunchProblem.outOfTime(partner, stepID: step.id)]) }
            do {
                let key = try store.audienceCreationKey(stepID: step.id) ?? String(step.id)
                let existing = facts.audiences[AccountKey(partner, account)] ?? []
                let audienceID = try LaunchRetry.throttled { () throws(PartnerError) in
                    try IdempotentAudienceCreation.ensure(link.connector, account: account, name: name, key: key, existing: existing, token: link.token)
                }
                try store.recordCreatedAudience(stepID: step.id, externalID: audienceID)
            } catch let error as PartnerError {
                let problem = LaunchProblem(rule: .audienceMissing, stepID: step.id,
                                            message: "Step \(step.position + 1): \(PartnerInfo.of(partner).displayName) did not create the audience \(name): \(error.message)")
                return try refuse(context, id, [problem])
            }
        }
        try store.setCanvasStatus(workspaceID: workspace, id: id, status: .active, launchedBy: context.user.id, now: context.now)
        return Response.redirect(to: SiteRoute.canvas(id).path + "?notice=" + Notice.launched.rawValue)
    }

    /// Steps whose ad account the partner reports unusable by its own facts (disabled, cancelled, a viewer's role): it
    /// would refuse every upload, so launch waits for it. Terms have their own rule, with the page to accept them.
    private static func unusableAccounts(_ steps: [CanvasStep], _ facts: LaunchFacts) -> [LaunchProblem] {
        steps.compactMap { step in
            guard case .audienceSync(let config) = step.kind, let partner = config.partner, let account = config.adAccountID,
                  let live = facts.snapshot.liveAccounts[AccountKey(partner, account)], !live.isActive else { return nil }
            let info = PartnerInfo.of(partner)
            let why = live.facts.first { $0.blocksSync && $0.kind != .terms }.map { AccountUsability.explain($0, partner: partner) }
                ?? "\(info.displayName) reports it inactive"
            return LaunchProblem(rule: .adAccountInaccessible, stepID: step.id,
                                 message: "Step \(step.position + 1): the \(info.adAccountNoun) \(live.name) cannot receive users: \(why) "
                                     + "Fix it at \(info.displayName), or choose another \(info.adAccountNoun), then launch again.",
                                 link: facts.snapshot.partnerPages[partner])
        }
    }

    private static func refuse(_ context: RequestContext, _ id: Int64, _ problems: [LaunchProblem]) throws -> Response {
        try CanvasPage.render(context, id, problems: problems, filterError: nil, nameError: nil, status: 422)
    }
}

/// The live facts launch validation needs, asked of each partner the steps use.
struct LaunchFacts {
    /// A partner's connector with an opened token.
    struct Link {
        let connector: any PartnerConnector
        let token: String
    }

    var snapshot: LaunchSnapshot
    var links: [PartnerID: Link] = [:]
    var audiences: [AccountKey: [RemoteAudience]] = [:]
    /// Partners that could not be asked (unreachable, throttled): launch waits for them.
    var problems: [LaunchProblem] = []

    static func gather(_ context: RequestContext, steps: [CanvasStep], deadline: PageDeadline = PageDeadline()) throws -> LaunchFacts {
        var facts = LaunchFacts(snapshot: LaunchSnapshot(steps: steps))
        let used = usedAccounts(steps)
        let partners = Set(steps.compactMap { step -> PartnerID? in
            if case .audienceSync(let config) = step.kind { return config.partner }
            return nil
        })
        for partner in partners {
            facts.snapshot.partnerPages[partner] = SiteRoute.partner(partner).path
            guard let connection = try PartnerSupport.connection(context, partner) else { continue }
            facts.snapshot.connections[partner] = connection.status
            facts.snapshot.selectedAccounts[partner] = Set(try context.app.store.adAccounts(connectionID: connection.id).map(\.externalID))
            guard connection.status == .valid, let connector = context.app.connectors[partner],
                  let token = PartnerSupport.token(context, connection) else { continue }
            facts.links[partner] = Link(connector: connector, token: token)
            guard !deadline.isSpent else { facts.problems.append(.outOfTime(partner, stepID: nil)); continue }
            facts.ask(connector, token: token, partner: partner, accounts: used.filter { $0.partner == partner })
        }
        return facts
    }

    private mutating func ask(_ connector: any PartnerConnector, token: String, partner: PartnerID, accounts: [AccountKey]) {
        let name = PartnerInfo.of(partner).displayName
        do {
            let live = try connector.adAccounts(token: token)
            for key in accounts {
                snapshot.termsPages[key] = connector.termsURL(accountExternalID: key.accountID)
                guard let account = live.first(where: { $0.externalID == key.accountID }) else { continue }
                snapshot.liveAccounts[key] = account
                // An account the partner refuses (terms, status, role) may refuse the audience list too: its own problem says why.
                guard account.termsAccepted != false, account.isActive else { continue }
                let list = try connector.audiences(account: key.accountID, token: token)
                audiences[key] = list
                snapshot.existingAudiences[key] = Set(list.map(\.id))
                snapshot.audienceCounts[key] = list.count
            }
        } catch {
            if case .authInvalid = error { snapshot.connections[partner] = .invalid; return }
            problems.append(LaunchProblem(rule: .connectionInvalid, stepID: nil,
                                          message: "\(name) could not be asked about the ad accounts right now: \(error.message) Try launching again in a moment."))
        }
    }

    private static func usedAccounts(_ steps: [CanvasStep]) -> [AccountKey] {
        var keys: [AccountKey] = []
        for step in steps {
            guard case .audienceSync(let config) = step.kind, let partner = config.partner, let account = config.adAccountID else { continue }
            if !keys.contains(AccountKey(partner, account)) { keys.append(AccountKey(partner, account)) }
        }
        return keys
    }
}

extension LaunchProblem {
    /// The page ran out of time asking partners (``PageDeadline``): nothing was launched.
    static func outOfTime(_ partner: PartnerID, stepID: Int64?) -> LaunchProblem {
        LaunchProblem(rule: .connectionInvalid, stepID: stepID,
                      message: "\(PartnerInfo.of(partner).displayName) is answering slowly, so the launch stopped before asking it more; "
                          + "nothing was launched. Launch again in a moment — audiences already created are reused.")
    }
}

/// A partner that asks launch to slow down for a moment (LinkedIn's per-second limit, right after the connection
/// and the checks used its calls) is waited for, briefly, rather than refusing the launch.
enum LaunchRetry {
    /// The longest wait launch accepts; a longer `Retry-After` refuses with the partner's message.
    static let longestWait: Double = 5

    static func throttled<T>(attempts: Int = 3, _ call: () throws(PartnerError) -> T) throws(PartnerError) -> T {
        var attempt = 1
        while true {
            do {
                return try call()
            } catch {
                guard case .throttled(let retryAfter, _) = error, attempt < attempts, (retryAfter ?? 1) <= longestWait else { throw error }
                Thread.sleep(forTimeInterval: retryAfter ?? 1)
                attempt += 1
            }
        }
    }
}
