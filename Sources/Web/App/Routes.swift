import FastCGI

/// Who may reach a route.
enum Access {
    /// Anyone.
    case anyone
    /// A signed-in user of any role.
    case signedIn
    /// A signed-in admin.
    case admin
    /// A REST client with a workspace API key (`Authorization: Bearer …`).
    case apiKey
}

/// One line of the route table: method, route, who may call it, the handler, and, for destructive or costly
/// actions, the gate that asks for confirmation first (``Confirm``).
struct RouteEntry {
    let method: String
    let access: Access
    let handle: @Sendable (RequestContext) throws -> Response
    /// Runs before `handle` on every request: describes the confirmation to ask for, or refuses.
    var confirm: (@Sendable (RequestContext) throws -> ConfirmGate)?
}

/// The one route table, read top to bottom. Every non-GET dashboard route is state-changing and needs a CSRF token;
/// API routes authenticate with a bearer key instead (no ambient credential, so no CSRF).
enum Routes {
    static func entry(for route: SiteRoute, method: String) -> RouteEntry? {
        switch (route, method) {
        // Sign-in
        case (.home, "GET"): RouteEntry(method: "GET", access: .anyone, handle: HomeRedirect.handle)
        case (.signIn, "GET"): RouteEntry(method: "GET", access: .anyone, handle: SignInPage.handle)
        case (.signIn, "POST"): RouteEntry(method: "POST", access: .anyone, handle: SignIn.handle)
        case (.signOut, "POST"): RouteEntry(method: "POST", access: .signedIn, handle: SignOut.handle)
        // Overview, the page after sign-in
        case (.overview, "GET"): RouteEntry(method: "GET", access: .signedIn, handle: OverviewPage.handle)
        case (.health, "GET"): RouteEntry(method: "GET", access: .anyone, handle: HealthCheck.handle)
        case (.metrics, "GET"): RouteEntry(method: "GET", access: .anyone, handle: MetricsEndpoint.handle)

        // Technology Partners
        case (.partners, "GET"): RouteEntry(method: "GET", access: .signedIn, handle: PartnersPage.handle)
        case (.proPartners, "POST"): RouteEntry(method: "POST", access: .admin, handle: ProPartnersSave.handle)
        case (.partner(let p), "GET"): RouteEntry(method: "GET", access: .signedIn, handle: { try PartnerPage.handle($0, p) })
        case (.partnerConnect(let p), "POST"): RouteEntry(method: "POST", access: .admin, handle: { try PartnerConnect.handle($0, p) })
        case (.oauthCallback(let p), "GET"): RouteEntry(method: "GET", access: .admin, handle: { try OAuthCallback.handle($0, p) })
        case (.partnerAccounts(let p), "GET"): RouteEntry(method: "GET", access: .admin, handle: { try AdAccountsPage.handle($0, p) })
        case (.partnerAccounts(let p), "POST"): RouteEntry(method: "POST", access: .admin, handle: { try AdAccountsSave.handle($0, p) })
        case (.partnerToken(let p), "POST"): RouteEntry(method: "POST", access: .admin, handle: { try SystemTokenSave.handle($0, p) })
        case (.partnerCheck(let p), "POST"): RouteEntry(method: "POST", access: .admin, handle: { try ConnectionCheck.handle($0, p) })
        case (.partnerDisconnect(let p), "POST"): RouteEntry(method: "POST", access: .admin, handle: { try PartnerDisconnect.handle($0, p) },
                       confirm: { try PartnerDisconnect.confirmation($0, p) })
        case (.adAccountRemove(let p, let id), "POST"):
            RouteEntry(method: "POST", access: .admin, handle: { try AdAccountRemove.handle($0, p, id) },
                       confirm: { try AdAccountRemove.confirmation($0, p, id) })

        // Settings
        case (.settingsAPIKeys, "GET"): RouteEntry(method: "GET", access: .admin, handle: APIKeysPage.handle)
        case (.settingsAPIKeys, "POST"): RouteEntry(method: "POST", access: .admin, handle: APIKeyCreate.handle)
        case (.apiKeyRevoke(let id), "POST"): RouteEntry(method: "POST", access: .admin, handle: { try APIKeyRevoke.handle($0, id) },
                       confirm: { try APIKeyRevoke.confirmation($0, id) })
        case (.notifications, "GET"): RouteEntry(method: "GET", access: .admin, handle: NotificationsPage.handle)
        case (.notifications, "POST"): RouteEntry(method: "POST", access: .admin, handle: NotificationRecipientAdd.handle)
        case (.notificationRecipientRemove(let id), "POST"):
            RouteEntry(method: "POST", access: .admin, handle: { try NotificationRecipientRemove.handle($0, id) })
        case (.settingsPrivacy, "GET"): RouteEntry(method: "GET", access: .signedIn, handle: PrivacyPage.handle)
        case (.settingsPrivacy, "POST"): RouteEntry(method: "POST", access: .admin, handle: PrivacyPolicySave.handle,
                       confirm: PrivacyPolicySave.confirmation)
        case (.outbox, "GET"): RouteEntry(method: "GET", access: .admin, handle: OutboxPage.handle)
        case (.profileImports, "GET"): RouteEntry(method: "GET", access: .admin, handle: ImportsPage.handle)
        case (.profileImports, "POST"): RouteEntry(method: "POST", access: .admin, handle: ImportStart.handle)
        case (.profileImport(let id), "GET"): RouteEntry(method: "GET", access: .admin, handle: { try ImportPage.handle($0, id) })
        case (.profileImportProgress(let id), "GET"): RouteEntry(method: "GET", access: .admin, handle: { try ImportProgress.handle($0, id) })
        case (.profileImportRejects(let id), "GET"): RouteEntry(method: "GET", access: .admin, handle: { try ImportRejects.handle($0, id) })

        // Sync ledger
        case (.ledger, "GET"): RouteEntry(method: "GET", access: .signedIn, handle: LedgerPage.handle)
        case (.ledgerForget, "POST"): RouteEntry(method: "POST", access: .admin, handle: ForgetPerson.handle, confirm: ForgetPerson.confirmation)

        // Canvases
        case (.canvases, "GET"): RouteEntry(method: "GET", access: .signedIn, handle: CanvasesPage.handle)
        case (.canvases, "POST"): RouteEntry(method: "POST", access: .signedIn, handle: CanvasCreate.handle)
        case (.canvas(let id), "GET"): RouteEntry(method: "GET", access: .signedIn, handle: { try CanvasPage.handle($0, id) })
        case (.canvasAction(let id, let action), "POST"):
            RouteEntry(method: "POST", access: .signedIn, handle: { try CanvasActions.handle($0, id, action) },
                       confirm: { try CanvasConfirmations.gate($0, id, action) })
        case (.canvasFigures(let id), "GET"): RouteEntry(method: "GET", access: .signedIn, handle: { try CanvasFigures.handle($0, id) })
        case (.step(let canvas, let step), "GET"): RouteEntry(method: "GET", access: .signedIn, handle: { try StepEditorPage.handle($0, canvas, step) })
        case (.stepAction(let canvas, let step, let action), "POST"):
            RouteEntry(method: "POST", access: .signedIn, handle: { try StepActions.handle($0, canvas, step, action) },
                       confirm: { try StepActions.gate($0, canvas, step, action) })

        // Segments
        case (.segments, "GET"): RouteEntry(method: "GET", access: .signedIn, handle: SegmentsPage.handle)
        case (.segments, "POST"): RouteEntry(method: "POST", access: .signedIn, handle: SegmentCreate.handle)
        case (.segment(let id), "GET"): RouteEntry(method: "GET", access: .signedIn, handle: { try SegmentPage.handle($0, id) })
        case (.segmentAction(let id, let action), "POST"):
            RouteEntry(method: "POST", access: .signedIn, handle: { try SegmentActions.handle($0, id, action) },
                       confirm: { try SegmentActions.gate($0, id, action) })
        case (.segmentExportForm(let id), "GET"): RouteEntry(method: "GET", access: .signedIn, handle: { try ExportForm.handle($0, id) })
        case (.segmentExportForm(let id), "POST"):
            RouteEntry(method: "POST", access: .signedIn, handle: { try ExportStart.handle($0, id) }, confirm: { try ExportStart.gate($0, id) })
        case (.segmentExport(let id, let export), "GET"):
            RouteEntry(method: "GET", access: .signedIn, handle: { try ExportPage.handle($0, id, export) })
        case (.segmentExportProgress(let id, let export), "GET"):
            RouteEntry(method: "GET", access: .signedIn, handle: { try ExportProgress.handle($0, id, export) })

        // REST API
        case (.apiOpenAPI, "GET"): RouteEntry(method: "GET", access: .anyone, handle: OpenAPIServe.handle)
        case (.apiReference, "GET"): RouteEntry(method: "GET", access: .signedIn, handle: APIReferencePage.handle)
        case (.apiUsersTrack, "POST"): RouteEntry(method: "POST", access: .apiKey, handle: UsersTrack.handle)
        case (.apiUsersDelete, "POST"): RouteEntry(method: "POST", access: .apiKey, handle: UsersDelete.handle)
        case (.apiCanvasTrigger, "POST"): RouteEntry(method: "POST", access: .apiKey, handle: CanvasTrigger.handle)
        case (.apiDataSummary, "GET"): RouteEntry(method: "GET", access: .apiKey, handle: DataSummary.handle)
        default: nil
        }
    }

    /// Whether some method other than `method` is routed for `route` (405 rather than 404).
    static func hasOtherMethod(_ route: SiteRoute, than method: String) -> Bool {
        ["GET", "POST"].contains { $0 != method && entry(for: route, method: $0) != nil }
    }
}
