import Core
import FastCGI
import Storage

/// `GET /ledger?external_id=…`: what AudienceSync sent about one user — when, where, which fields (by name, never their
/// values), and what the partner said — and why not: what each live canvas would do with them now. The search takes an
/// external id, an email or a phone number (looked up in the profiles the workspace already holds); an erased person is
/// found by their tombstone only.
enum LedgerPage {
    struct Content {
        let externalID: String
        let searched: Bool
        let lines: [Line]
        let hasLines: Bool
        let matches: [Match]
        let hasMatches: Bool
        let erasedAt: String?
        let diagnosis: [LedgerDiagnosis.CanvasView]
        let hasDiagnosis: Bool
        let forget: ForgetView?
    }

    struct Line {
        let at: String
        let canvas: String
        let canvasPath: String
        let step: String
        let adAccount: String
        let fields: String
        let outcome: String
        let outcomeClass: String
        let message: String?
    }

    /// One of several profiles an email or phone matched.
    struct Match {
        let externalID: String
        let path: String
    }

    /// The admins' "Forget this person" control (the dashboard's confirmation step follows it).
    struct ForgetView {
        let action: String
        let externalID: String
        let csrfToken: String
    }

    static func handle(_ context: RequestContext) throws -> Response {
        try render(context, search: context.request.query["external_id"] ?? "")
    }

    static func render(_ context: RequestContext, search: String) throws -> Response {
        let store = context.app.store
        let workspace = context.user.workspaceID
        let typed = search.trimmingCharacters(in: .whitespaces)
        var externalID = typed
        var matches: [String] = []
        if !typed.isEmpty, try store.profile(workspaceID: workspace, externalID: typed) == nil {
            matches = typed.contains("@") ? try store.externalIDs(workspaceID: workspace, email: typed) : try store.externalIDs(workspaceID: workspace, phone: typed)
            if matches.count == 1 { externalID = matches[0]; matches = [] }
        }
        let lines = externalID.isEmpty ? [] : try ledgerLines(context, externalID: externalID)
        let profile = externalID.isEmpty ? nil : try store.profile(workspaceID: workspace, externalID: externalID)
        let erasedAt = externalID.isEmpty || profile != nil ? nil
            : try store.erasedAt(workspaceID: workspace, subject: Erasure.tombstone(context.app.tokenBox, workspaceID: workspace, externalID: externalID))
        let diagnosis = try profile.map { try LedgerDiagnosis.of(context, profile: $0) } ?? []
        let forget = profile != nil && context.user.role == .admin
            ? ForgetView(action: SiteRoute.ledgerForget.path, externalID: externalID, csrfToken: context.session?.csrfToken ?? "") : nil
        let content = Content(externalID: externalID, searched: !typed.isEmpty, lines: lines, hasLines: !lines.isEmpty,
                              matches: matches.map { Match(externalID: $0, path: SiteRoute.ledger.path + "?external_id=" + URLEncoding.encode($0)) },
                              hasMatches: !matches.isEmpty, erasedAt: erasedAt.map(Formats.dateTime), diagnosis: diagnosis, hasDiagnosis: !diagnosis.isEmpty,
                              forget: forget)
        return context.renderer.page("ledger", shell: context.shell(title: "Sync ledger", section: "ledger"), content: content)
    }

    private static func ledgerLines(_ context: RequestContext, externalID: String) throws -> [Line] {
        var titles: [Int64: String] = [:]
        var accounts: [Int64: String] = [:]
        return try context.app.store.ledger(workspaceID: context.user.workspaceID, externalID: externalID).map { line in
            if titles[line.stepID] == nil {
                let steps = try context.app.store.steps(canvasID: line.canvasID)
                let names = CanvasStepNames.newAudienceNames(steps)
                for step in steps {
                    titles[step.id] = "Step \(step.position + 1): \(step.title(audienceNames: names))"
                    if case .audienceSync(let config) = step.kind { accounts[step.id] = config.adAccountID }
                }
            }
            return Line(at: Formats.dateTime(line.at), canvas: line.canvasName, canvasPath: SiteRoute.canvas(line.canvasID).path,
                        step: titles[line.stepID] ?? "a removed step", adAccount: accounts[line.stepID] ?? "",
                        fields: line.fields.isEmpty ? "—" : line.fields.joined(separator: ", "),
                        outcome: label(line.outcome), outcomeClass: ["synced": "ok", "removed": "ok", "errored": "bad", "removal_errored": "bad"][line.outcome] ?? "muted",
                        message: line.message)
        }
    }

    private static func label(_ outcome: String) -> String {
        switch outcome {
        case "synced": "Synced"
        case "retry": "Will retry"
        case "not_synced": "Not synced — no consent"
        case "removed": "Removed from the audience"
        case "removal_pending": "Removal pending"
        case "removal_errored": "Removal failed"
        default: "Errored"
        }
    }
}

/// `POST /ledger/forget` (admins): Forget this person. After the dashboard's confirmation step it erases the user like
/// `/api/v1/users/delete` — removals from every audience a step or export added them to, then nothing identifying them
/// is kept — and writes a security-log line that names no one.
enum ForgetPerson {
    static func handle(_ context: RequestContext) throws -> Response {
        let externalID = (context.request.form["external_id"] ?? "").trimmingCharacters(in: .whitespaces)
        guard !externalID.isEmpty else { return Response.redirect(to: SiteRoute.ledger.path) }
        let workspace = context.user.workspaceID
        let tombstone = Erasure.tombstone(context.app.tokenBox, workspaceID: workspace, externalID: externalID)
        let erased = try context.app.store.erase(workspaceID: workspace, externalIDs: [externalID], now: context.now) { _ in tombstone }
        if erased > 0 { context.audit(.personErased, detail: tombstone) }
        return Response.redirect(to: SiteRoute.ledger.path + "?external_id=" + URLEncoding.encode(externalID))
    }

    static func confirmation(_ context: RequestContext) throws -> ConfirmGate {
        let externalID = (context.request.form["external_id"] ?? "").trimmingCharacters(in: .whitespaces)
        guard !externalID.isEmpty, try context.app.store.profile(workspaceID: context.user.workspaceID, externalID: externalID) != nil else {
            return .proceed
        }
        return .ask { Confirmation(
            title: "Forget \(externalID)?",
            effect: "They are removed from every partner audience a canvas step or a segment export added them to, then their profile, events, "
                + "place in canvases and every stored identifier are deleted. Only a tombstone that identifies no one is kept. This cannot be undone.",
            button: "Forget this person", cancelPath: SiteRoute.ledger.path + "?external_id=" + URLEncoding.encode(externalID)) }
    }
}
